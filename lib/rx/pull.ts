import {
  asapScheduler,
  asyncScheduler,
  NEVER,
  isObservable,
  Observable,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { isSciroccoError } from '../client/scirocco-error.js';
import type { SciroccoMessage } from '../protocol/message-metadata.js';
import { backoffDelay, resolveBackoff, type BackoffOptions } from './backoff.js';
import { checkPositive } from './check-option.js';
import type { FlowEventHandler } from './flow-event.js';
import { flowCredit } from './flow-credit.js';
import { nackDiscovery } from './nack-discovery.js';
import { reportLikelyCors } from './likely-cors.js';
import { lostAnswer } from './lost-answer.js';
import { detachedOf, type QueueOps } from './queue-ops.js';
import { receivedMessage, type MessageFlow, type ReceivedMessage } from './received-message.js';
import { safeEmitter } from './safe-emitter.js';

/**
 * Options of `pull$`.
 *
 * @example
 * ```ts
 * import { BehaviorSubject } from 'rxjs';
 * import { createClient, type PullOptions } from 'scirocco-rx';
 *
 * const paused = new BehaviorSubject(false);
 * const options: PullOptions = { interval: 1_000, pause: paused, backoff: { initial: 250, max: 10_000 } };
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * client.pull$(options).subscribe((message) => message.ack().subscribe());
 * ```
 */
export interface PullOptions {
  /** Milliseconds to wait after a poll that found nothing. @default 500 */
  readonly interval?: number;
  /** Complete after emitting this many messages. */
  readonly maxMessages?: number;
  /** Complete at the first poll that finds nothing due (batch jobs, tests). @default false */
  readonly stopWhenEmpty?: boolean;
  /** While the last value is `true`, no new pull starts. */
  readonly pause?: Observable<boolean>;
  /**
   * Graceful stop: when it emits or completes (or the signal aborts), no new pull starts, a pull
   * in flight finishes and its message is emitted, and the stream completes — so the handlers of
   * an `ackOnComplete` downstream finish and ack before the pipeline completes. In Angular,
   * `NEVER.pipe(takeUntilDestroyed(destroyRef))` completes on destroy.
   */
  readonly stop?: Observable<unknown> | AbortSignal;
  /**
   * Most messages emitted and not yet settled (acked, requeued, released…). `ackOnComplete` (or
   * `batchMessages`) raises it to its `concurrency` (or `size`) unless you set it; when you set it
   * to another number, an `in-flight-mismatch` event says so once: fewer than `concurrency` leaves
   * handlers idle, more claims messages that wait for a handler. `consume` sets both to one
   * number. @default 1
   */
  readonly maxInFlight?: number;
  /**
   * After this many milliseconds at the in-flight limit with no message settled, a `stalled`
   * event says so (once, until a message is settled): the usual cause is an operator that drops
   * messages without settling them, such as a `filter` (use `skipMessages`). @default 60000
   */
  readonly stallTimeout?: number;
  /** Spacing of retries after retryable failures (never giving up by default). */
  readonly backoff?: BackoffOptions;
  /**
   * What happens to a message whose pull was in flight when the subscriber unsubscribed:
   * `requeue` gives it back (see `ReceivedMessage.requeue`); `strand` leaves it `processing`.
   * Either way a `handed-back` or `stranded` event reports it. @default 'requeue'
   */
  readonly onUnsubscribe?: 'requeue' | 'strand';
  /** Where timers run: inject a `TestScheduler` to test in virtual time. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
  /** Receives the stream's events. */
  readonly onEvent?: FlowEventHandler;
}

function stopSignal(stop: PullOptions['stop']): Observable<unknown> {
  if (stop === undefined) return NEVER;
  if (isObservable(stop)) return stop;
  return new Observable((subscriber) => {
    if (stop.aborted) {
      subscriber.next(undefined);
      return;
    }
    const onAbort = () => {
      subscriber.next(undefined);
    };
    stop.addEventListener('abort', onAbort, { once: true });
    return () => {
      stop.removeEventListener('abort', onAbort);
    };
  });
}

/**
 * Hands back a message claimed for a subscriber that is gone: requeued (nacked, or a copy pushed
 * to this node and the original acked), or left `processing` (`strand`); reported either way.
 */
function handBack<T>(message: SciroccoMessage<T>, flow: MessageFlow, policy: 'requeue' | 'strand'): void {
  const reason = 'claimed after the subscriber unsubscribed';
  flow.emit({ type: 'pulled', node: flow.ops.node, message: message.metadata });
  const received = receivedMessage(message, flow, () => undefined);
  if (policy === 'strand') {
    received.release(reason);
    return;
  }
  received.requeue({ handBack: reason }).subscribe({
    error: (error: unknown) => {
      received.release(`${reason}; requeue failed: ${String(error)}`);
    },
  });
}

/**
 * A cold Observable of the messages due for this node. Each subscription runs its own loop: pull;
 * when a message comes, emit it and pull again at once; when nothing is due, wait `interval` and
 * pull again. Polls never overlap. Retryable failures back off exponentially (with jitter, reset
 * after a success) and the loop goes on; other failures error the stream with the
 * `SciroccoError`.
 *
 * Demand-driven: it keeps at most `maxInFlight` messages emitted and not yet acked or released —
 * everything else stays `pending` for other consumers.
 *
 * ```
 * server:     a b c . . . . . . . d
 * pull$:      a-b-c----(interval)--d--   (each after the previous one was acked)
 * ```
 *
 * Unsubscribing cancels the timer. A pull already sent is not aborted — the server may have
 * claimed a message for it — and a message it brings back is requeued (see `onUnsubscribe`).
 *
 * What breaks it: an operator that drops messages without settling them (a `filter`: use
 * `skipMessages`) keeps their slots, and at the limit the stream stops pulling (`stalled` says
 * so); a `maxInFlight` of its own below the `concurrency` after it leaves handlers idle
 * (`in-flight-mismatch` says so). Every emitted message must end acked, requeued, dead-lettered
 * or released.
 *
 * @param ops - the client's operations (`client.pull$` passes its own).
 * @param options - the polling, the in-flight limit, the stop and the events.
 * @returns a cold Observable of received messages, each carrying what settles it.
 *
 * @example
 * ```ts
 * import { ackOnComplete, createClient } from 'scirocco-rx';
 *
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * client
 *   .pull$<{ type: string }>({ interval: 1_000 })
 *   .pipe(ackOnComplete((message) => console.log(message.payload.type)))
 *   .subscribe();
 * ```
 */
export function pull$<T = unknown>(ops: QueueOps, options: PullOptions = {}): Observable<ReceivedMessage<T>> {
  checkPositive('pull$', 'interval', options.interval, false);
  checkPositive('pull$', 'maxMessages', options.maxMessages, true);
  checkPositive('pull$', 'maxInFlight', options.maxInFlight, true);
  checkPositive('pull$', 'stallTimeout', options.stallTimeout, false);
  const backoff = resolveBackoff(options.backoff);
  const interval = options.interval ?? 500;
  const scheduler = options.scheduler ?? asyncScheduler;
  const onUnsubscribe = options.onUnsubscribe ?? 'requeue';
  const detached = detachedOf(ops);
  const pullOnce = detached.pull ?? (<M>() => ops.pullNext$<M>());
  const emit = safeEmitter(options.onEvent);

  return new Observable<ReceivedMessage<T>>((subscriber) => {
    let emitted = 0;
    let failures = 0;
    let pulling = false;
    let paused = false;
    let stopping = false;
    let stopRequested = false;
    let closed = false;
    /** The wait after an empty poll, or a backoff delay. */
    let timer: Subscription | undefined;
    const credit = flowCredit({
      node: ops.node,
      fixed: options.maxInFlight,
      stallTimeout: options.stallTimeout ?? 60_000,
      scheduler,
      // Work that downstream triggers runs after its callback: a microtask by default (no
      // timer's delay per message), the injected scheduler in tests.
      hop: options.scheduler ?? asapScheduler,
      emit,
      onCredit: next,
    });
    const flow: MessageFlow = {
      ops,
      scheduler,
      emit,
      ack: detached.ack ?? (<M>(id: string) => ops.ack$<M>(id)),
      canNack: nackDiscovery(ops),
      demand: (count) => {
        credit.demand(count);
      },
      get stopRequested() {
        return stopRequested;
      },
    };
    const settled = () => {
      credit.settle();
    };

    /** The loop's one decision: complete, wait, or pull. Runs at subscribe and on `credit.wake`. */
    function next(): void {
      if (closed || pulling) return;
      if (stopping || (options.maxMessages !== undefined && emitted >= options.maxMessages)) {
        subscriber.complete();
        return;
      }
      if (!paused && !timer && credit.available) pull();
    }

    function wait(ms: number): void {
      timer = scheduler.schedule(() => {
        timer = undefined;
        next();
      }, ms);
    }

    function received(message: SciroccoMessage<T>): void {
      if (closed) {
        handBack(message, flow, onUnsubscribe);
        return;
      }
      failures = 0;
      emitted++;
      credit.take();
      emit({ type: 'pulled', node: ops.node, message: message.metadata });
      subscriber.next(receivedMessage(message, flow, settled));
    }

    function failed(error: unknown): void {
      // A pull whose answer was lost may have claimed a message that nobody will get: say so,
      // also for a pull let finish after an unsubscribe.
      if (isSciroccoError(error) && lostAnswer(error)) {
        emit({ type: 'possibly-stranded', node: ops.node, error });
      }
      if (closed) return;
      const retryable = isSciroccoError(error) && error.retryable;
      if (isSciroccoError(error) && failures === 0) reportLikelyCors(error, 'pull', ops.node, emit);
      // Stopping never waits out a backoff: the failed pull brought no message; done.
      if (stopping && retryable) return;
      if (!retryable || failures >= backoff.retries) {
        subscriber.error(error);
        return;
      }
      failures++;
      const delayMs = backoffDelay(failures, backoff);
      emit({ type: 'backing-off', node: ops.node, operation: 'pull', attempt: failures, delayMs, error });
      wait(delayMs);
    }

    function pull(): void {
      pulling = true;
      if (failures > 0) emit({ type: 'retried', node: ops.node, operation: 'pull', attempt: failures });
      // Each answer is followed by a scheduled `next`, never a direct call: an answer that comes
      // synchronously must not recurse.
      pullOnce<T>().subscribe({
        next: (option) => {
          pulling = false;
          if (option.isSome()) received(option.value);
          else {
            failures = 0;
            emit({ type: 'empty', node: ops.node });
            if (options.stopWhenEmpty) stopping = true;
            else if (!closed) wait(interval);
          }
          credit.wake();
        },
        error: (error: unknown) => {
          pulling = false;
          failed(error);
          credit.wake();
        },
      });
    }

    function stop(): void {
      stopping = true;
      stopRequested = true;
      timer?.unsubscribe();
      timer = undefined;
      credit.wake();
    }

    const fail = (error: unknown) => {
      subscriber.error(error);
    };
    const controls = [
      options.pause?.subscribe({
        next: (value) => {
          paused = value;
          if (!value) credit.wake();
        },
        error: fail,
      }),
      stopSignal(options.stop).subscribe({ next: stop, complete: stop, error: fail }),
    ];
    next();
    return () => {
      closed = true;
      timer?.unsubscribe();
      credit.close();
      for (const control of controls) control?.unsubscribe();
    };
  });
}
