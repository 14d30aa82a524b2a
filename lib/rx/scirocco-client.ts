import { Subject, type Observable, type ObservableInput } from 'rxjs';
import type { ClientCore } from '../client/client-core.js';
import type { Payload, PayloadOf } from '../client/payload.js';
import type { SciroccoMessage } from '../protocol/message-metadata.js';
import type { FlowEvent } from './flow-event.js';
import type { AckOutcome } from './ack-outcome.js';
import type { HandlerContext, HandlerResult } from './handler-context.js';
import { consume, type ConsumeOptions } from './consume.js';
import { messages, type MessagesOptions } from './messages.js';
import { pull$, type PullOptions } from './pull.js';
import { pushFrom, type PushFromOptions } from './push-from.js';
import { safeEmitter } from './safe-emitter.js';
import type { QueueOps } from './queue-ops.js';
import type { ReceivedMessage } from './received-message.js';

/** The reactive methods of a client. */
export interface ReactiveMethods {
  /**
   * A cold Observable of the messages due for this node: see `pull$`.
   *
   * ```
   * server:  a b . . . c
   * pull$:   a-b--(500 ms)--c--
   * ```
   */
  pull$<T = unknown>(options?: PullOptions): Observable<ReceivedMessage<T>>;
  /**
   * Pushes every item of `source` to `options.to`: see `pushFrom`.
   *
   * ```
   * source:   a--b--c--|
   * pushFrom: -A--B--C-|
   * ```
   */
  pushFrom<I extends Payload>(
    source: ObservableInput<I> | AsyncIterable<I>,
    options: PushFromOptions<I>,
  ): Observable<SciroccoMessage<PayloadOf<I>>>;
  /**
   * Consumes this node's messages with `concurrency` handlers, acking each after its handler:
   * `pull$` and `ackOnComplete` with one number. See `consume`.
   *
   * ```
   * server:   a b . . c
   * consume:  --A--B-----C--
   * ```
   */
  consume<T = unknown, R = unknown>(
    handler: (message: ReceivedMessage<T>, context: HandlerContext) => HandlerResult<R>,
    options?: ConsumeOptions,
  ): Observable<AckOutcome<T, R>>;
  /**
   * This node's messages as an `AsyncIterable` for `for await` loops: see `messages`.
   *
   * ```
   * server:    a b . . c
   * for await: a--b------c--
   * ```
   */
  messages<T = unknown>(options?: MessagesOptions): AsyncIterable<ReceivedMessage<T>>;
  /** Every event of every flow of this client, as it happens (a hot Observable). */
  readonly events$: Observable<FlowEvent>;
}

/**
 * A scirocco client: the promise API (`push`, `pull`, `ack`, …, each a `Result`), the same
 * operations as cold Observables (`push$`, `pullNext$`, `ack$`, …), and the flows `pull$` and
 * `pushFrom`.
 *
 * @example
 * ```ts
 * import { createClient, type SciroccoClient } from 'scirocco-rx';
 *
 * const client: SciroccoClient = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * await client.push('af123', { n: 1 }); // a Result
 * client.push$('af123', { n: 2 }).subscribe(); // a cold Observable
 * client.pull$().subscribe((message) => message.ack().subscribe()); // the consumer loop
 * ```
 */
export interface SciroccoClient extends ClientCore, Required<QueueOps>, ReactiveMethods {}

/** Joins a promise core and its Observable operations into one client with the reactive flows. */
export function assembleClient(core: ClientCore, ops: Required<QueueOps>): SciroccoClient {
  const events = new Subject<FlowEvent>();
  const report = (event: FlowEvent) => {
    events.next(event);
  };
  return Object.freeze({
    ...core,
    ...ops,
    events$: events.asObservable(),
    pull$: <T>(options: PullOptions = {}) =>
      pull$<T>(ops, { ...options, onEvent: safeEmitter(options.onEvent, report) }),
    consume: <T, R>(
      handler: (message: ReceivedMessage<T>, context: HandlerContext) => HandlerResult<R>,
      options: ConsumeOptions = {},
    ) => consume<T, R>(ops, handler, { ...options, onEvent: safeEmitter(options.onEvent, report) }),
    messages: <T>(options: MessagesOptions = {}) =>
      messages<T>(ops, { ...options, onEvent: safeEmitter(options.onEvent, report) }),
    pushFrom: <I extends Payload>(
      source: ObservableInput<I> | AsyncIterable<I>,
      options: PushFromOptions<I>,
    ) => pushFrom(ops, source, { ...options, onEvent: safeEmitter(options.onEvent, report) }),
  });
}
