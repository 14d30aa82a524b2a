import {
  asyncScheduler,
  defer,
  finalize,
  tap,
  type OperatorFunction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { defaultAckWindow } from './ack-coalescer.js';
import type { AckOutcome } from './ack-outcome.js';
import { resolveBackoff, type BackoffOptions } from './backoff.js';
import { checkMillis, checkNode, checkPolicy, checkPositive } from './check-option.js';
import type { HandlerContext, HandlerResult } from './handler-context.js';
import type { MessageFlow, ReceivedMessage } from './received-message.js';
import { mergeInSlots } from './merge-in-slots.js';
import { runHandler, type Drain } from './run-handler.js';
import { settlePolicy, type ResolvedSettleOptions } from './settle-policy.js';
/** What `ackOnComplete` does with a message whose handler failed. */
export type OnHandlerError = 'leave' | 'requeue' | { readonly deadLetter: string };

/**
 * Options of {@link ackOnComplete}.
 *
 * @example
 * ```ts
 * import type { AckOnCompleteOptions } from 'scirocco-rx';
 *
 * const options: AckOnCompleteOptions = { concurrency: 4, onError: { deadLetter: 'dead' }, backoff: { retries: 3 } };
 * ```
 */
export interface AckOnCompleteOptions {
  /**
   * Most handlers running at once (a handler's slot comes back when it is done, while its message
   * is acked); with 1 the handlers run in the order of the messages. @default 1
   */
  readonly concurrency?: number;
  /**
   * When the handler fails: `'leave'` the message `processing`; `'requeue'` give it back to this
   * node's queue (a nack where the server has one, else a copy pushed and the original acked);
   * `{ deadLetter: node }` push a copy there, then ack the original.
   * @default 'leave'
   */
  readonly onError?: OnHandlerError;
  /**
   * With `onError: 'requeue'`: the deliveries a message gets before it is given up. Where the
   * server has nack, the server's `tries`, on every consumer; else its requeued copies counted
   * within this process (a copy is a new message to the server). Then it goes to `deadLetter`, or
   * without one it is left `processing`, and its outcome says so. @default 5
   */
  readonly maxAttempts?: number;
  /**
   * With `onError: 'requeue'`: how long a requeued message waits before it is due, after the
   * n-th failed delivery (a delayed nack, or a scheduled copy), so that it does not loop hot.
   * @default 1 s, doubling up to 60 s, with jitter
   */
  readonly requeueDelay?: Omit<BackoffOptions, 'retries'>;
  /**
   * What happens to a message whose Observable handler an unsubscribe stops: `'requeue'` gives
   * it back (see `ReceivedMessage.requeue`); `'strand'` leaves it `processing`. Either way a
   * `handed-back` or `stranded` event reports it. A Promise handler cannot be stopped: its signal
   * aborts, and its message is acked if it resolves, handed back if it rejects or has not settled
   * within `timeout` (or else `drainTimeout`). Messages still waiting for a handler are handed
   * back. An ack or requeue in flight is let finish.
   * @default 'requeue'
   */
  readonly onUnsubscribe?: 'requeue' | 'strand';
  /**
   * The longest a handler may run, in milliseconds: then it is stopped (an Observable handler is
   * unsubscribed, the handler's `signal` aborted) and the message fails with a
   * `HandlerTimeoutError`, handled by `onError`. @default no limit
   */
  readonly timeout?: number;
  /**
   * After a graceful `stop` of the `pull$`, how long handlers still running, and messages still
   * waiting for one, may take, in milliseconds: then the handlers are stopped and the messages
   * handed back as `onUnsubscribe` says (one try each, no backoff), each reported. A stream that
   * ends by itself (`maxMessages`, `stopWhenEmpty`) lets its handlers finish. @default 10000
   */
  readonly drainTimeout?: number;
  /** With `onError: 'requeue'`: where a message goes when its `maxAttempts` are used up. */
  readonly deadLetter?: string;
  /** Spacing of retries of acks and pushes that fail retryably. @default 5 retries from 500 ms */
  readonly backoff?: BackoffOptions;
  /**
   * Gathers the acks of handlers that complete within this many milliseconds into one batch ack,
   * where the server offers batch ack (`batch-ack`); elsewhere each message is acked alone, at
   * once. A batch goes when the window of its first ack closes, or sooner when every handler's
   * message (or every message in flight, if fewer) waits for its ack — nothing else could join:
   * with one in flight, its ack goes at once —, or at the server's batch limit. Each message
   * keeps its own outcome and retries. 0 acks each message alone.
   * @default 2 in real time; 0 in virtual time (a clock that does not read the wall clock, such
   * as a `TestScheduler`: each ack is its own request there unless you set it)
   */
  readonly ackWindow?: number;
  /** Where retry timers run. @default the scheduler of the `pull$` the messages come from */
  readonly scheduler?: SchedulerLike;
}

function checkOptions(options: AckOnCompleteOptions): void {
  checkPositive('ackOnComplete', 'concurrency', options.concurrency, true);
  checkMillis('ackOnComplete', 'timeout', options.timeout);
  checkMillis('ackOnComplete', 'drainTimeout', options.drainTimeout);
  checkMillis('ackOnComplete', 'ackWindow', options.ackWindow);
  const { maxAttempts = 5 } = options;
  if (!(maxAttempts >= 1) || (Number.isFinite(maxAttempts) && !Number.isSafeInteger(maxAttempts))) {
    throw new RangeError(
      `ackOnComplete: maxAttempts must be a positive whole number or Infinity, got ${String(maxAttempts)}`,
    );
  }
  checkNode('ackOnComplete', options.deadLetter);
  checkPolicy('ackOnComplete', 'onError', options.onError ?? 'leave', ['leave', 'requeue']);
}

/**
 * Runs `handler` for each received message and acks the message when the handler completes
 * without error, then emits how it ended. With no handler, acks each message as it arrives.
 *
 * ```
 * pull$:          a---b---c---|
 * handler:        a~~|b~~X c~|        (X: b's handler fails)
 * ackOnComplete:  ---A----B---C|      A, C: { status: 'acked' }; B: { status: 'failed' }
 * ```
 *
 * Failures are values in the stream, never swallowed, and one failing message never ends it.
 * `requeue` nacks the message back where the server offers nack (asked once per stream: the
 * same message, its `tries` kept); the plain protocol has no nack, and there `requeue`, as
 * `deadLetter` always, pushes a *copy* (a new id, `tries` back to 0, at the end of the queue) and
 * then acks the original. `leave` keeps the message `processing`, out of every queue, as the
 * protocol leaves any message that is never acked. A nack, an ack or the push of a copy that fails
 * retryably is retried with backoff, and reported if it finally fails.
 *
 * Fed by `pull$`, it asks the stream for `concurrency` messages in flight, so at most
 * `concurrency` messages are claimed and not yet acked at any moment. A `maxInFlight` above it
 * (a prefetch) lets handlers take the next messages while the acks of the last ones travel.
 *
 * What breaks it: a handler that never completes holds its slot (set `timeout`); an Observable
 * handler that emits but never completes is never acked; a message built by hand, not by
 * `pull$`, can only be acked or left (it has no stream to requeue it to).
 *
 * @param handler - runs for each message: an Observable (its last value counts), a Promise or a
 *   value; it gets `{ signal }`, aborted when it is stopped. Without one, each message is acked.
 * @param options - the concurrency, the failure policy, the timeouts and the retries.
 * @returns an operator from received messages to their outcomes, one per message.
 *
 * @example
 * ```ts
 * import { ackOnComplete, createClient } from 'scirocco-rx';
 *
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * client
 *   .pull$<{ url: string }>()
 *   .pipe(ackOnComplete((message) => fetch(message.payload.url), { concurrency: 4, onError: 'requeue' }))
 *   .subscribe((outcome) => console.log(outcome.status, outcome.message.metadata.id));
 * ```
 */
export function ackOnComplete<T, R = unknown, O = T>(
  handler?: (message: ReceivedMessage<T, O>, context: HandlerContext) => HandlerResult<R>,
  options: AckOnCompleteOptions = {},
): OperatorFunction<ReceivedMessage<T, O>, AckOutcome<T, R, O>> {
  checkOptions(options);
  const concurrency = options.concurrency ?? 1;
  const drainTimeout = options.drainTimeout ?? 10_000;
  const settling: ResolvedSettleOptions = {
    onError: options.onError ?? 'leave',
    maxAttempts: options.maxAttempts ?? 5,
    deadLetter: options.deadLetter,
    requeueDelay: resolveBackoff({ initial: 1_000, max: 60_000, jitter: 0.2, ...options.requeueDelay }),
    onUnsubscribe: options.onUnsubscribe ?? 'requeue',
    backoff: resolveBackoff(options.backoff, 5),
    scheduler: options.scheduler,
  };

  return (source) =>
    defer(() => {
      const policy = settlePolicy<T, R, O>(settling);
      const drain: Drain = { stops: new Set(), expired: false };
      let clock: SchedulerLike = options.scheduler ?? asyncScheduler;
      let deadline: Subscription | undefined;
      let lastFlow: MessageFlow | undefined;
      // Messages received and waiting for a handler (more in flight than `concurrency`).
      const waiting = new Set<ReceivedMessage<T, O>>();
      // A graceful stop of the stream: handlers running, and messages waiting for one, get until
      // the deadline; then the running ones are stopped, the waiting ones never started. A stream
      // that ends by itself (`maxMessages`, `stopWhenEmpty`) lets them finish.
      const startDrain = () => {
        if (!lastFlow?.stopRequested) return;
        deadline = clock.schedule(() => {
          drain.expired = true;
          for (const stop of [...drain.stops]) stop();
        }, drainTimeout);
      };
      return source.pipe(
        tap({
          next: (message) => {
            const flow = (message as { flow?: MessageFlow }).flow;
            // What the stream is asked for, once per stream (not on every message).
            if (flow && flow !== lastFlow) {
              lastFlow = flow;
              flow.demand(concurrency);
              flow.gatherAcks(
                options.ackWindow ?? defaultAckWindow(options.scheduler ?? flow.scheduler),
                concurrency,
              );
              if (options.scheduler === undefined) clock = flow.scheduler;
            }
            waiting.add(message);
          },
          complete: startDrain,
        }),
        // A handler's slot comes back once it is done: its message's ack (or requeue) runs on
        // outside the count, and the next message waiting (a prefetch) starts meanwhile.
        mergeInSlots((message, release) => {
          waiting.delete(message);
          const flow = (message as { flow?: MessageFlow }).flow;
          return runHandler(message, {
            handler,
            policy,
            timeout: options.timeout,
            drainTimeout,
            scheduler: options.scheduler ?? flow?.scheduler ?? asyncScheduler,
            drain,
            onHandled: release,
          });
        }, concurrency),
        finalize(() => {
          deadline?.unsubscribe();
          // An unsubscribe or an error upstream: the messages still waiting for a handler are
          // handed back (mergeMap would drop them), each reported.
          for (const message of waiting) {
            const id = message.metadata.id;
            const reason = new Error(
              `ackOnComplete: the handler of message ${id} never started: the stream ended`,
            );
            policy.handBack(message, reason).subscribe();
          }
          waiting.clear();
        }),
      );
    });
}
