import { retry, throwError, timer, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';
import { isSciroccoError, type SciroccoOperation } from '../client/scirocco-error.js';
import { backoffDelay, type ResolvedBackoff } from './backoff.js';
import type { FlowEventHandler } from './flow-event.js';
import { reportLikelyCors } from './likely-cors.js';
import type { SettleStep } from './received-message.js';

/**
 * Retries retryable `SciroccoError`s (server, network, timeout) with exponential backoff on the
 * given scheduler, reporting `backing-off` and `retried` (and `cors-suspected` at the first
 * failure of a run that looks like a CORS refusal); lets every other error through at once.
 * The delay is a function, because a numeric `delay` in `retry` ignores an injected scheduler.
 */
export function retryWithBackoff<T>(
  operation: SciroccoOperation,
  backoff: ResolvedBackoff,
  scheduler: SchedulerLike,
  node: string,
  emit: FlowEventHandler,
): MonoTypeOperatorFunction<T> {
  return retry<T>({
    count: backoff.retries,
    delay: (error: unknown, attempt: number) => {
      if (!isSciroccoError(error) || !error.retryable) return throwError(() => error);
      if (attempt === 1) reportLikelyCors(error, operation, node, emit);
      const delayMs = backoffDelay(attempt, backoff);
      emit({ type: 'backing-off', node, operation, attempt, delayMs, error });
      return timer(delayMs, scheduler);
    },
    resetOnSuccess: true,
  });
}

/** A settle step that retries each step (a push, an ack) with `backoff`, as `retryWithBackoff`. */
export function retriedStep(
  backoff: ResolvedBackoff,
  scheduler: SchedulerLike,
  node: string,
  emit: FlowEventHandler,
): SettleStep {
  return (operation, work) => work.pipe(retryWithBackoff(operation, backoff, scheduler, node, emit));
}
