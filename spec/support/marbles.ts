import { defer, finalize, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import { SciroccoError } from '../../lib/client/scirocco-error.js';
import type { QueueOps } from '../../lib/rx/queue-ops.js';

/** A TestScheduler that compares with vitest's deep equality. */
export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** A retryable failure, as a network error would be. */
export const networkError = () =>
  new SciroccoError('network', 'pull GET /messageQueue: connect ECONNREFUSED', { operation: 'pull' });

/** A fatal failure. */
export const authError = () =>
  new SciroccoError('auth', 'pull GET /messageQueue: 403 Incorrect auth token.', {
    operation: 'pull',
    status: 403,
  });

/** Wraps some operations of `ops`, keeping the rest. */
export function withOps(ops: QueueOps, overrides: Partial<QueueOps>): QueueOps {
  return { ...ops, ...overrides };
}

/** Records when each subscription to `work()` starts and ends, on the scheduler's clock. */
export function recorder(now: () => number) {
  const starts: number[] = [];
  const ends: number[] = [];
  let active = 0;
  let maxActive = 0;
  return {
    starts,
    ends,
    get maxActive() {
      return maxActive;
    },
    track<T>(work: () => Observable<T>): Observable<T> {
      return defer(() => {
        starts.push(now());
        maxActive = Math.max(maxActive, ++active);
        return work().pipe(
          finalize(() => {
            active--;
            ends.push(now());
          }),
        );
      });
    },
  };
}
