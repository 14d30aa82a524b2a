import { from, isObservable, Observable, of, Subscription, type SchedulerLike } from 'rxjs';
import type { AckOutcome } from './ack-outcome.js';
import type { HandlerContext, HandlerResult } from './handler-context.js';
import { HandlerTimeoutError } from './handler-timeout-error.js';
import type { ReceivedMessage } from './received-message.js';
import type { SettlePolicy } from './settle-policy.js';

/**
 * The handlers of a stream still running, each with what stops it; once the stream has ended, a
 * drain deadline, after which every handler is stopped and no new one starts.
 */
export interface Drain {
  readonly stops: Set<() => void>;
  /** The deadline passed: messages that had not started are handed back unhandled. */
  expired: boolean;
}

/** How one handler runs. */
export interface RunHandlerOptions<T, R, O> {
  readonly handler:
    ((message: ReceivedMessage<T, O>, context: HandlerContext) => HandlerResult<R>) | undefined;
  readonly policy: SettlePolicy<T, R, O>;
  readonly timeout: number | undefined;
  readonly drainTimeout: number;
  readonly scheduler: SchedulerLike;
  readonly drain: Drain;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function'
  );
}

function toObservable<R>(value: HandlerResult<R>): Observable<R> {
  if (isObservable(value)) return value;
  if (isPromiseLike(value)) return from(value);
  return of(value as R);
}

const stopped = (id: string, why: string) =>
  new Error(`ackOnComplete: the handler of message ${id} was stopped ${why}`);

/**
 * Runs the handler of one message, then settles the message by `policy`, and emits its outcome.
 *
 * ```
 * handler:  a~~~|            a~~~X            a~~(timeout)    a~~(unsubscribe, drain)
 * outcome:  ----A (acked)    ----F (onError)  ---F (onError)  ---H (handed back)
 * ```
 *
 * The settlement runs to its end whoever still listens. Unsubscribing stops a handler still
 * running: an Observable handler is unsubscribed and its message handed back; a Promise cannot be
 * stopped, so its signal aborts and its answer still settles the message (acked if it resolves,
 * handed back if it rejects). An ack or a push in flight is let finish.
 */
export function runHandler<T, R, O>(
  message: ReceivedMessage<T, O>,
  options: RunHandlerOptions<T, R, O>,
): Observable<AckOutcome<T, R, O>> {
  const { handler, policy, drain } = options;
  return new Observable<AckOutcome<T, R, O>>((subscriber) => {
    // A plain observer, not the subscriber itself: a closed subscriber would stop the settlement.
    const settle = (outcome$: Observable<AckOutcome<T, R, O>>) => {
      outcome$.subscribe({
        next: (outcome) => {
          subscriber.next(outcome);
        },
        error: (error: unknown) => {
          subscriber.error(error);
        },
        complete: () => {
          subscriber.complete();
        },
      });
    };
    const { id } = message.metadata;
    if (drain.expired) {
      settle(policy.handBack(message, stopped(id, 'before it started: the drain had run out of time')));
      return undefined;
    }
    if (!handler) {
      settle(policy.acked(message, undefined));
      return undefined;
    }
    let controller: AbortController | undefined;
    const context: HandlerContext = {
      get signal() {
        return (controller ??= new AbortController()).signal;
      },
    };
    let answer: HandlerResult<R>;
    try {
      answer = handler(message, context);
    } catch (error) {
      settle(policy.failed(message, error));
      return undefined;
    }
    if (!isObservable(answer) && !isPromiseLike(answer)) {
      settle(policy.acked(message, answer as R));
      return undefined;
    }

    let running = true;
    let last: R | undefined;
    let timer: Subscription | undefined;
    // Its own Subscription first: a handler that answers synchronously finishes before `subscribe`
    // returns, and what is added to a closed Subscription is unsubscribed at once.
    const handling = new Subscription();
    /** Ends the run once: no timeout, no drain deadline, no more of the handler's values. */
    const finish = (): boolean => {
      if (!running) return false;
      running = false;
      timer?.unsubscribe();
      drain.stops.delete(expire);
      handling.unsubscribe();
      return true;
    };
    /** Stops a handler still running (its values are ignored from now on), then settles. */
    const stop = (reason: Error, settlement: () => Observable<AckOutcome<T, R, O>>) => {
      if (!finish()) return;
      controller?.abort(reason);
      settle(settlement());
    };
    function expire(): void {
      const reason = stopped(id, `when the drain ran out of time (${options.drainTimeout} ms)`);
      stop(reason, () => policy.handBack(message, reason));
    }
    drain.stops.add(expire);
    if (options.timeout !== undefined) {
      const error = new HandlerTimeoutError(id, options.timeout);
      timer = options.scheduler.schedule(() => {
        stop(error, () => policy.failed(message, error));
      }, options.timeout);
    }
    handling.add(
      toObservable(answer).subscribe({
        next: (value) => (last = value),
        error: (error: unknown) => {
          if (finish()) settle(policy.failed(message, error));
        },
        complete: () => {
          if (finish()) settle(policy.acked(message, last));
        },
      }),
    );
    const pending = answer;
    return () => {
      if (!running) return;
      const reason = stopped(id, 'by an unsubscribe');
      if (!isPromiseLike(pending)) {
        stop(reason, () => policy.handBack(message, reason));
        return;
      }
      finish();
      controller?.abort(reason);
      pending.then(
        (value) => {
          settle(policy.acked(message, value));
        },
        () => {
          settle(policy.handBack(message, reason));
        },
      );
    };
  });
}
