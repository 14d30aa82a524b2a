import { retry, throwError, timer, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';
import { isSciroccoError, type SciroccoOperation } from '../client/scirocco-error.js';
import { backoffDelay, type ResolvedBackoff } from './backoff.js';
import type { FlowEventHandler } from './flow-event.js';

/**
 * Retries retryable `SciroccoError`s (server, network, timeout) with exponential backoff on the
 * given scheduler, reporting `backing-off` and `retried`; lets every other error through at once.
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
      const delayMs = backoffDelay(attempt, backoff);
      emit({ type: 'backing-off', node, operation, attempt, delayMs, error });
      return timer(delayMs, scheduler);
    },
    resetOnSuccess: true,
  });
}
