import { catchError, map, switchMap, tap, throwError, type Observable, type SchedulerLike } from 'rxjs';
import { isSciroccoError } from '../client/scirocco-error.js';
import type { MessageMetadata, SciroccoMessage } from '../protocol/message-metadata.js';
import { queueRules } from '../protocol/queue-rules.js';
import type { FlowEventHandler } from './flow-event.js';
import type { QueueOps } from './queue-ops.js';

/**
 * Wraps each step of a settlement (the push of a copy, an ack): `ackOnComplete` passes one that
 * retries with backoff; by default a step runs once.
 */
export type SettleStep = <V>(operation: 'push' | 'ack' | 'nack', work: Observable<V>) => Observable<V>;

/** Options of {@link ReceivedMessage.requeue}. */
export interface RequeueOptions {
  /** The message (or its copy) becomes due this many milliseconds later. @default 0 */
  readonly delayMs?: number;
  /** Wraps each step (the nack; or the push and the ack). @default each runs once */
  readonly step?: SettleStep;
  /**
   * Why the message goes back unhandled (a shutdown, a stopped handler): it is then reported
   * `handed-back` with this reason instead of `requeued`, which says a handler failed on it.
   */
  readonly handBack?: string;
}

/**
 * A message `pull$` claimed: its metadata and payload, and everything that settles it.
 *
 * Each received message holds one of its `pull$`'s in-flight slots (`maxInFlight`) until it is
 * settled: `ack()` succeeds, `requeue()` has given it back, `deadLetter()` has pushed its copy
 * and acked it, or `release()` is called. That is how the stream never claims more messages than its consumer
 * works on.
 *
 * The settling methods and `flow` are own properties that close over the claimed message, so a
 * copy made by `map((m) => ({ ...m, payload: f(m.payload) }))`, `mergeMap` or a buffer settles the
 * same message, with the same stream's scheduler and events, and frees its slot once. A
 * `requeue()` or `deadLetter()` copy carries the payload as it was received, never a mapped one.
 * `O` is the type of that original payload: `T` until an operator maps the payload.
 *
 * @example
 * ```ts
 * import { EMPTY, mergeMap } from 'rxjs';
 * import { createClient } from 'scirocco-rx';
 *
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * client
 *   .pull$<{ n: number }>({ maxInFlight: 2 })
 *   .pipe(
 *     mergeMap((message) => {
 *       if (message.payload.n >= 0) return message.ack();
 *       message.release(); // give up on it: it stays processing, the slot is free
 *       return EMPTY;
 *     }),
 *   )
 *   .subscribe();
 * ```
 */
export interface ReceivedMessage<T = unknown, O = T> extends SciroccoMessage<T> {
  /**
   * A cold Observable that acks the message when subscribed (it becomes `processed`), emits the
   * acked message and completes, and frees the message's slot. Unsubscribing stops listening but
   * lets a request already sent finish: the message was handled, it should end `processed`. It
   * does not retry; `ackOnComplete` does. A `not-found` answer is checked: when the message is
   * `processed` at this node already (an earlier ack whose answer was lost), that is a success.
   */
  ack(): Observable<SciroccoMessage<O>>;
  /**
   * Frees the message's slot without settling it on the server: it stays `processing`, reported
   * as `released` — or, given a reason, as `stranded` with it. Its first settlement is the one
   * reported; later calls do nothing.
   */
  release(reason?: string): void;
  /**
   * A cold Observable that gives the message back to the queue, due after `delayMs`; it emits
   * the message as it went back, reports `requeued` (or `handed-back`, given `handBack`) and frees
   * the slot. Where the server has the nack extension (asked once per stream), the message itself
   * goes back `pending`: its id and its `tries` kept, so `tries` counts its deliveries on every
   * consumer. The plain protocol has no nack: there, a copy is pushed to this node (a new id,
   * `tries` 0, at the end of the queue, due after `delayMs` on the stream's clock), then the
   * original is acked. The emitted message's id says which: the same id, or the copy's.
   */
  requeue(options?: RequeueOptions): Observable<SciroccoMessage<O>>;
  /**
   * A cold Observable that pushes a copy of the message to the dead-letter node `node`, then acks
   * the original; it emits the copy, reports `dead-lettered` and frees the slot.
   */
  deadLetter(node: string, step?: SettleStep): Observable<SciroccoMessage<O>>;
  /** The stream the message came from: its node, scheduler and events, for operators. */
  readonly flow: MessageFlow;
}

/** What a flow operator needs to know of the stream a message came from. */
export interface MessageFlow {
  readonly ops: QueueOps;
  readonly scheduler: SchedulerLike;
  readonly emit: FlowEventHandler;
  /**
   * Acks a message of this flow (not aborted on unsubscribe where the operations allow), alone or
   * gathered with others into one batch ack (see `gatherAcks`).
   */
  readonly ack: <T>(message: SciroccoMessage<T>) => Observable<SciroccoMessage<T>>;
  /**
   * Asks the stream to gather the acks of its messages for up to `windowMs` into one batch ack,
   * where the server offers batch ack (the largest window asked counts; 0 sends each alone).
   * `joiners` is the most acks the operator asks at once (its concurrency): a batch goes as soon
   * as that many, or every message in flight, wait for their acks.
   */
  gatherAcks(windowMs: number, joiners?: number): void;
  /** Whether `requeue` can nack: the server's nack extension, asked once per stream. */
  readonly canNack: () => Observable<boolean>;
  /** Asks the stream to keep up to `count` messages in flight (unless its user fixed the number). */
  demand(count: number): void;
  /**
   * Whether the stream was told to stop (its `stop` option): when it then completes, the
   * operators after it drain their handlers up to a deadline. A stream that ends by itself
   * (`maxMessages`, `stopWhenEmpty`) lets them finish.
   */
  readonly stopRequested: boolean;
}

const once: SettleStep = (_operation, work) => work;

/**
 * Acks a message of `flow`; a `not-found` answer is checked with a look-up: an ack whose answer was
 * lost, retried, finds the message `processed` already, and that is a success, not a failure.
 */
function confirmedAck<T>(flow: MessageFlow, message: SciroccoMessage<T>): Observable<SciroccoMessage<T>> {
  const id = message.metadata.id;
  return flow.ack<T>(message).pipe(
    catchError((error: unknown) => {
      if (!isSciroccoError(error) || error.kind !== 'not-found') return throwError(() => error);
      return flow.ops.get$<T>(id).pipe(
        catchError(() => throwError(() => error)),
        map((found) => {
          if (found.metadata.status !== 'processed' || found.metadata.nodeDestination !== flow.ops.node) {
            throw error;
          }
          return found;
        }),
      );
    }),
  );
}

/**
 * Nacks a message of `flow`; a `not-found` answer is checked with a look-up: the message is back
 * in the queue already when it is waiting (`pending`, `scheduled`), or was delivered again since (an earlier nack whose
 * answer was lost, or the server's processing timeout), and that is a success.
 */
function confirmedNack<T>(
  flow: MessageFlow,
  metadata: MessageMetadata,
  delayMs: number,
): Observable<SciroccoMessage<T>> {
  const { ops } = flow;
  if (!ops.nack$) return throwError(() => new Error('the queue operations have no nack$'));
  return ops.nack$<T>(metadata.id, delayMs > 0 ? { delayMs } : {}).pipe(
    catchError((error: unknown) => {
      if (!isSciroccoError(error) || error.kind !== 'not-found') return throwError(() => error);
      return flow.ops.get$<T>(metadata.id).pipe(
        catchError(() => throwError(() => error)),
        map((found) => {
          const back = queueRules.isWaiting(found.metadata) || found.metadata.tries > metadata.tries;
          if (!back || found.metadata.nodeDestination !== flow.ops.node) throw error;
          return found;
        }),
      );
    }),
  );
}

/** Wraps a claimed message; `settle` frees its slot once, whichever way it is settled. */
export function receivedMessage<T>(
  message: SciroccoMessage<T>,
  flow: MessageFlow,
  settle: () => void,
): ReceivedMessage<T> {
  const { metadata, payload } = message;
  const node = flow.ops.node;
  let settled = false;
  /** Settles the message once: the first outcome is the one reported, and frees the slot. */
  const settleOnce = (report: () => void) => {
    if (settled) return;
    settled = true;
    report();
    settle();
  };
  const release = (reason?: string) => {
    settleOnce(() => {
      flow.emit(
        reason === undefined
          ? { type: 'released', node, message: metadata }
          : { type: 'stranded', node, message: metadata, reason },
      );
    });
  };
  /** Reports how the message went back (`back`: itself, nacked, or its copy), once. */
  const reportBack = (target: string, back: SciroccoMessage<T>, handBack?: string) => {
    settleOnce(() => {
      flow.emit(
        target !== node
          ? { type: 'dead-lettered', node, message: metadata, copy: back.metadata, deadLetter: target }
          : handBack === undefined
            ? { type: 'requeued', node, message: metadata, copy: back.metadata }
            : { type: 'handed-back', node, message: metadata, copy: back.metadata, reason: handBack },
      );
    });
  };
  /** The copy sequence: push a copy to `target`, ack the original, report, free the slot. */
  const copyTo = (
    target: string,
    step: SettleStep,
    delayMs = 0,
    handBack?: string,
  ): Observable<SciroccoMessage<T>> =>
    step(
      'push',
      flow.ops.push$(target, payload as object, {
        payloadType: metadata.payloadType,
        ...(delayMs > 0 ? { scheduledAt: new Date(flow.scheduler.now() + delayMs) } : {}),
      }),
    ).pipe(
      switchMap((copy) =>
        step('ack', confirmedAck<T>(flow, message)).pipe(map(() => copy as SciroccoMessage<T>)),
      ),
      tap((copy) => {
        reportBack(target, copy, handBack);
      }),
    );
  /** The requeue: a nack where the server has it, else a copy; reported and freed either way. */
  const requeue = ({ step = once, delayMs = 0, handBack }: RequeueOptions = {}) =>
    flow.canNack().pipe(
      switchMap((nack) =>
        nack
          ? step('nack', confirmedNack<T>(flow, metadata, delayMs)).pipe(
              tap((back) => {
                reportBack(node, back, handBack);
              }),
            )
          : copyTo(node, step, delayMs, handBack),
      ),
    );
  return Object.freeze({
    metadata,
    payload,
    ack: () =>
      confirmedAck<T>(flow, message).pipe(
        tap((acked) => {
          settleOnce(() => {
            flow.emit({ type: 'acked', node, message: acked.metadata });
          });
        }),
      ),
    release,
    requeue,
    deadLetter: (target: string, step = once) => copyTo(target, step),
    flow,
  });
}
