import { Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { Result } from 'ts-results-es';
import type { SciroccoError } from '../client/scirocco-error.js';
import type { SciroccoMessage } from '../protocol/message-metadata.js';
import type { MemoryEngine } from './memory-engine.js';

/** What {@link claimOrWait$} needs. */
export interface MemoryClaimOrWait<T> {
  readonly engine: MemoryEngine;
  readonly node: string;
  readonly scheduler: SchedulerLike;
  /** How long the pull may wait, already capped at the queue's most; 0 claims once. */
  readonly waitMs: number;
  readonly claim: () => Result<SciroccoMessage<T>[], SciroccoError>;
}

/**
 * A pull of the memory queue that may wait (long polling), in the scheduler's time: it claims at
 * subscribe; when nothing is due and it may wait, it is woken by a push or a nack for its node —
 * on the scheduler, never inside the push — or at the time of its node's next scheduled message,
 * and claims again, until it has messages or its wait is over (then `[]`). Unsubscribing stops
 * the wait: nothing is claimed for it after that.
 */
export function claimOrWait$<T>(options: MemoryClaimOrWait<T>): Observable<SciroccoMessage<T>[]> {
  const { engine, node, scheduler, waitMs, claim } = options;
  return new Observable<SciroccoMessage<T>[]>((subscriber) => {
    let unwatch: (() => void) | undefined;
    let timers: Subscription[] = [];
    const quiet = () => {
      unwatch?.();
      unwatch = undefined;
      for (const timer of timers) timer.unsubscribe();
      timers = [];
    };
    const answer = (messages: SciroccoMessage<T>[]) => {
      quiet();
      subscriber.next(messages);
      subscriber.complete();
    };
    const deadline = scheduler.now() + waitMs;
    const attempt = (): void => {
      quiet();
      const claimed = claim();
      if (claimed.isErr()) {
        subscriber.error(claimed.error);
        return;
      }
      const left = deadline - scheduler.now();
      if (claimed.value.length > 0 || left <= 0) {
        answer(claimed.value);
        return;
      }
      unwatch = engine.watch(node, () => {
        unwatch = undefined;
        timers.push(scheduler.schedule(attempt));
      });
      timers.push(
        scheduler.schedule(() => {
          answer([]);
        }, left),
      );
      const next = engine.nextDue(node);
      if (next !== undefined && next - scheduler.now() < left) {
        timers.push(scheduler.schedule(attempt, Math.max(0, next - scheduler.now())));
      }
    };
    attempt();
    return quiet;
  });
}
