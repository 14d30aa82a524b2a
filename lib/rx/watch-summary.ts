import {
  Observable,
  asyncScheduler,
  from,
  type ObservableInput,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import type { Result } from 'ts-results-es';
import type { SummaryOptions } from '../client/client-core.js';
import type { SciroccoError } from '../client/scirocco-error.js';
import type { QueueSummary } from '../protocol/queue-summary.js';
import { backoffDelay, resolveBackoff, type BackoffOptions } from './backoff.js';
import { checkMillis } from './check-option.js';

/**
 * Options of {@link watchSummary}.
 *
 * @example
 * ```ts
 * import type { WatchSummaryOptions } from 'scirocco-rx';
 *
 * const options: WatchSummaryOptions = { intervalMs: 500, waitMs: 1_000 };
 * ```
 */
export interface WatchSummaryOptions {
  /** The least time from one request to the next, in milliseconds. @default 1000 */
  readonly intervalMs?: number;
  /**
   * How long the server may wait for a change before it answers the same summary again, where
   * it long-polls (elsewhere every request answers at once, and the summary is polled every
   * `intervalMs`). @default 20000
   */
  readonly waitMs?: number;
  /** How retryable failures (network, timeout, 5xx) are retried. @default retried forever, from 500 ms to 30 s */
  readonly backoff?: BackoffOptions;
  /** Told of each retryable failure before its retry, with the retry's number (1 for the first). */
  readonly onRetry?: (error: SciroccoError, attempt: number) => void;
  /** Where the waits run; a TestScheduler in marble tests. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/** How one summary is asked: `client.summary` or an Observable of its Result. */
export type AskSummary = (options: SummaryOptions) => ObservableInput<Result<QueueSummary, SciroccoError>>;

/**
 * A cold Observable of the queue's summary, live: the first at once, then each time the queue
 * changes (the server's long polling of the summary: `since` the last version), at most one
 * request per `intervalMs`, and at least one answer per `waitMs` while nothing changes. A
 * retryable failure is retried with backoff; any other (a refused token: `auth`) ends it with
 * the SciroccoError. Unsubscribing aborts the request under way.
 *
 * ```text
 * server:   v1 ------- (push) v2 --- (ack) v3 -------------------- (waitMs: v3 again)
 * summary$: s1 -------------- s2 ----------- s3 ------------------- s3
 * ```
 *
 * @example
 * ```ts
 * import { createClient, watchSummary } from 'scirocco-rx';
 *
 * const client = createClient({ url: 'http://localhost:8000', node: 'console', token: 'DEFAULT_TOKEN' });
 * const subscription = watchSummary((options) => client.summary(options), { intervalMs: 500 }).subscribe(
 *   (summary) => console.log(summary.version, summary.nodes.length),
 * );
 * subscription.unsubscribe();
 * ```
 */
export function watchSummary(ask: AskSummary, options: WatchSummaryOptions = {}): Observable<QueueSummary> {
  checkMillis('watchSummary', 'intervalMs', options.intervalMs);
  checkMillis('watchSummary', 'waitMs', options.waitMs);
  const intervalMs = options.intervalMs ?? 1_000;
  const waitMs = options.waitMs ?? 20_000;
  const backoff = resolveBackoff(options.backoff);
  const scheduler = options.scheduler ?? asyncScheduler;
  return new Observable<QueueSummary>((subscriber) => {
    let since: number | undefined;
    let attempt = 0;
    let controller: AbortController | undefined;
    // The request under way and the wait before the next: one of each at a time.
    let answer: Subscription | undefined;
    let next: Subscription | undefined;
    const later = (ms: number) => {
      next = scheduler.schedule(askOnce, ms);
    };
    function askOnce(): void {
      const started = scheduler.now();
      controller = new AbortController();
      const asked =
        since === undefined ? { signal: controller.signal } : { since, waitMs, signal: controller.signal };
      answer?.unsubscribe();
      answer = from(ask(asked)).subscribe({
        next: (result) => {
          if (result.isOk()) {
            attempt = 0;
            since = result.value.version;
            subscriber.next(result.value);
            later(Math.max(0, intervalMs - (scheduler.now() - started)));
            return;
          }
          const error = result.error;
          if (error.kind === 'aborted' && subscriber.closed) return;
          if (!error.retryable || attempt >= backoff.retries) {
            subscriber.error(error);
            return;
          }
          attempt++;
          options.onRetry?.(error, attempt);
          later(backoffDelay(attempt, backoff));
        },
        error: (error: unknown) => {
          subscriber.error(error);
        },
      });
    }
    askOnce();
    return () => {
      next?.unsubscribe();
      answer?.unsubscribe();
      controller?.abort();
    };
  });
}
