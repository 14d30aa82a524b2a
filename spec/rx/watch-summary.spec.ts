import { map, timer } from 'rxjs';
import { Err, Ok } from 'ts-results-es';
import { describe, expect, it } from 'vitest';
import type { SummaryOptions } from '../../lib/client/client-core.js';
import { SciroccoError } from '../../lib/client/scirocco-error.js';
import type { QueueSummary } from '../../lib/protocol/queue-summary.js';
import { watchSummary } from '../../lib/rx/watch-summary.js';
import { authError, networkError, testScheduler } from '../support/marbles.js';

const summaryOf = (version: number): QueueSummary => ({
  nodes: [],
  totals: { pushed: version, claimed: 0, acked: 0, nacked: 0, recovered: 0 },
  version,
  at: new Date(0),
});

/**
 * A server in virtual time: each answer comes `latency` frames after its request, or, for a
 * request `since` the current version, once the version changes (at the frames in `changes`) or
 * its wait ends. Records each request's frame and options.
 */
function fakeServer(now: () => number, changes: readonly number[], latency = 1) {
  const asked: { at: number; since?: number; waitMs?: number }[] = [];
  const versionAt = (frame: number) => changes.filter((change) => change <= frame).length;
  const ask = (options: SummaryOptions) => {
    const at = now();
    asked.push({
      at,
      ...(options.since === undefined ? {} : { since: options.since, waitMs: options.waitMs }),
    });
    const since = options.since;
    const next = changes.find((change) => change > at);
    const wait =
      since === undefined || versionAt(at) > since
        ? latency
        : Math.min(options.waitMs ?? 0, next === undefined ? Infinity : next - at) + latency;
    return timer(wait).pipe(map(() => Ok(summaryOf(versionAt(at + wait - latency)))));
  };
  return { ask, asked };
}

describe('watchSummary', () => {
  it('answers at once, then with each change, at most once per interval, and again after a quiet wait', () => {
    const scheduler = testScheduler();
    const server = fakeServer(() => scheduler.now(), [5, 6, 30]);
    scheduler.run(({ expectObservable }) => {
      const versions = watchSummary(server.ask, { intervalMs: 4, waitMs: 10, scheduler }).pipe(
        map((summary) => String(summary.version)),
      );
      // 0 at 1; asks from 4 (the interval) since 0, and the change at 5 answers it: 1 at 6; asks at
      // 8 since 1, the version is 2 already (the change at 6): 2 at 9; asks at 12 since 2, nothing
      // changes for its 10 frames: 2 again at 23; asks at once (23 is past the interval), and the
      // change at 30 answers it: 3 at 31.
      expectObservable(versions, '^ 39ms !').toBe('-0----1--2-------------2-------3');
    });
    expect(server.asked.slice(0, 5)).toEqual([
      { at: 0 },
      { at: 4, since: 0, waitMs: 10 },
      { at: 8, since: 1, waitMs: 10 },
      { at: 12, since: 2, waitMs: 10 },
      { at: 23, since: 2, waitMs: 10 },
    ]);
  });

  it('retries a network failure with backoff, and ends with a refused token', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      let calls = 0;
      const retries: number[] = [];
      const answers = [
        cold('-(a|)', { a: Err(networkError()) }),
        cold('-(a|)', { a: Ok(summaryOf(1)) }),
        cold('-(a|)', { a: Err(authError()) }),
      ];
      const stream = watchSummary(() => answers[calls++] ?? answers[2]!, {
        intervalMs: 3,
        backoff: { initial: 2, jitter: 0 },
        onRetry: (_error, attempt) => retries.push(attempt),
        scheduler,
      }).pipe(map((summary) => String(summary.version)));
      // fails at 1, retries at 3, answers at 4; asks again at 6 (the interval), refused at 7.
      expectObservable(stream).toBe('----1--#', undefined, authError());
      scheduler.flush();
      expect(retries).toEqual([1]);
    });
  });

  it('aborts the request under way when unsubscribed', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const answer = cold('-----(a|)', { a: Ok(summaryOf(1)) });
      let signal: AbortSignal | undefined;
      const stream = watchSummary(
        (options) => {
          signal = options.signal;
          return answer;
        },
        { scheduler },
      );
      expectObservable(stream, '^-!').toBe('');
      expectSubscriptions(answer.subscriptions).toBe('^-!');
      scheduler.flush();
      expect(signal?.aborted).toBe(true);
    });
  });

  it('refuses a bad interval before anything is asked', () => {
    expect(() => watchSummary(() => Promise.resolve(Ok(summaryOf(0))), { intervalMs: -1 })).toThrow(
      RangeError,
    );
    expect(new SciroccoError('auth', 'x', { operation: 'summary' }).retryable).toBe(false);
  });
});
