import { telemetryOf } from './queue-ops.js';
import type { TelemetryProcess } from '../client/client-telemetry.js';
import {
  from,
  isObservable,
  Observable,
  observable,
  Subscription,
  type ObservableInput,
  type SchedulerLike,
} from 'rxjs';
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
  /** Called once the handler is done and its message's settlement under way: its slot is free. */
  readonly onHandled?: () => void;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Whether a handler's answer is work still to run: an Observable (of RxJS or of another library),
 * a Promise, an AsyncIterable (an `async function*`), a ReadableStream. Anything else — arrays
 * and strings included — is the handler's value.
 */
function isWork(value: unknown): value is ObservableInput<unknown> {
  if (isObservable(value) || isPromiseLike(value)) return true;
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as Record<PropertyKey, unknown>;
  return (
    typeof candidate[Symbol.asyncIterator] === 'function' ||
    typeof candidate[observable] === 'function' ||
    typeof candidate.getReader === 'function'
  );
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
    // The handler's run, where the client has telemetry: the handler runs in its context, and so
    // does the settlement's first request (an ack, a nack), so that its span is the run's child.
    let traced: TelemetryProcess | undefined;
    // A plain observer, not the subscriber itself: a closed subscriber would stop the settlement.
    const settle = (outcome$: Observable<AckOutcome<T, R, O>>, error?: unknown) => {
      const run = traced;
      traced = undefined;
      run?.end(error);
      const subscribe = () =>
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
      if (run) run.run(subscribe);
      else subscribe();
      // The settlement is under way: the handler's slot is free.
      options.onHandled?.();
    };
    const { id } = message.metadata;
    if (drain.expired) {
      const reason = stopped(id, 'before it started: the drain had run out of time');
      settle(policy.handBack(message, reason, false));
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
    traced = telemetryOf(message.flow.ops)?.process?.(message, message.flow.ops.node);
    try {
      answer = traced ? traced.run(() => handler(message, context)) : handler(message, context);
    } catch (error) {
      settle(policy.failed(message, error), error);
      return undefined;
    }
    if (!isWork(answer)) {
      settle(policy.acked(message, answer));
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
      settle(settlement(), reason);
    };
    function expire(): void {
      const reason = stopped(id, `when the drain ran out of time (${options.drainTimeout} ms)`);
      stop(reason, () => policy.handBack(message, reason, false));
    }
    drain.stops.add(expire);
    if (options.timeout !== undefined) {
      const timeoutMs = options.timeout;
      timer = options.scheduler.schedule(() => {
        // Made only when it fires: an Error (and its stack) per message would cost every message.
        const error = new HandlerTimeoutError(id, timeoutMs);
        stop(error, () => policy.failed(message, error));
      }, timeoutMs);
    }
    handling.add(
      from(answer as ObservableInput<R>).subscribe({
        next: (value) => (last = value),
        error: (error: unknown) => {
          if (finish()) settle(policy.failed(message, error), error);
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
      // It still settles its message — acked if it resolves, handed back if it rejects (most
      // likely at its aborted signal) — but only within a deadline: `timeout`, or else
      // `drainTimeout`. A Promise that ignores its signal and never settles has its message
      // handed back then, and its late answer is ignored.
      let answered = false;
      const answer = (settlement: () => Observable<AckOutcome<T, R, O>>, error?: unknown) => {
        if (answered) return;
        answered = true;
        deadline.unsubscribe();
        settle(settlement(), error);
      };
      const waitMs = options.timeout ?? options.drainTimeout;
      const late = stopped(id, `by an unsubscribe, and did not settle within ${waitMs} ms`);
      const deadline = options.scheduler.schedule(() => {
        answer(() => policy.handBack(message, late), late);
      }, waitMs);
      pending.then(
        (value) => {
          answer(() => policy.acked(message, value));
        },
        () => {
          answer(() => policy.handBack(message, reason), reason);
        },
      );
    };
  });
}
