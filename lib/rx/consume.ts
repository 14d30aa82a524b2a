import type { Observable } from 'rxjs';
import { ackOnComplete, type AckOnCompleteOptions } from './ack-on-complete.js';
import type { AckOutcome } from './ack-outcome.js';
import type { HandlerContext, HandlerResult } from './handler-context.js';
import type { BackoffOptions } from './backoff.js';
import { pull$, type PullOptions } from './pull.js';
import type { QueueOps } from './queue-ops.js';
import type { ReceivedMessage } from './received-message.js';

/**
 * Options of {@link consume}: those of `pull$` and of `ackOnComplete`, with one number for both,
 * `concurrency`.
 *
 * @example
 * ```ts
 * import type { ConsumeOptions } from 'scirocco-rx';
 *
 * const options: ConsumeOptions = { concurrency: 8, onError: 'requeue', maxAttempts: 3, deadLetter: 'dead' };
 * ```
 */
export interface ConsumeOptions
  extends
    Omit<PullOptions, 'maxInFlight'>,
    Omit<AckOnCompleteOptions, 'backoff' | 'scheduler' | 'onUnsubscribe'> {
  /** Spacing of retries of acks and pushes of copies (`backoff` spaces the polls). @default 5 retries from 500 ms */
  readonly ackBackoff?: BackoffOptions;
}

/**
 * Consumes this node's messages: `pull$` and `ackOnComplete` with one number, `concurrency`,
 * for both — at most that many handlers run, and at most that many messages are claimed and not
 * settled. The common case in one call; compose `pull$` and `ackOnComplete` yourself to put
 * operators between them.
 *
 * ```
 * server:   a b c . . . d
 * consume:  --A--B--C-------D--    (A: a's outcome, once its handler completed and it was acked)
 * ```
 *
 * @param ops - the client's operations (`client.consume` passes its own).
 * @param handler - runs for each message: an Observable (its last value counts), a Promise or a value.
 * @param options - the polling, the concurrency and what happens on failure.
 * @returns a cold Observable of the outcomes.
 *
 * @example
 * ```ts
 * import { createClient } from 'scirocco-rx';
 *
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * client
 *   .consume<{ url: string }>((message) => fetch(message.payload.url), { concurrency: 8, onError: 'requeue' })
 *   .subscribe((outcome) => console.log(outcome.status));
 * ```
 */
export function consume<T = unknown, R = unknown>(
  ops: QueueOps,
  handler: (message: ReceivedMessage<T>, context: HandlerContext) => HandlerResult<R>,
  options: ConsumeOptions = {},
): Observable<AckOutcome<T, R>> {
  const {
    concurrency,
    onError,
    maxAttempts,
    requeueDelay,
    deadLetter,
    timeout,
    drainTimeout,
    ackBackoff,
    ackWindow,
    ...pulling
  } = options;
  const settling: AckOnCompleteOptions = {
    concurrency,
    timeout,
    drainTimeout,
    onError,
    maxAttempts,
    requeueDelay,
    deadLetter,
    backoff: ackBackoff,
    ackWindow,
    scheduler: pulling.scheduler,
    onUnsubscribe: pulling.onUnsubscribe,
  };
  return pull$<T>(ops, { ...pulling, maxInFlight: concurrency ?? 1 }).pipe(ackOnComplete(handler, settling));
}
