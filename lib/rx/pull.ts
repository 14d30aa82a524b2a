import {
  asapScheduler,
  asyncScheduler,
  defer,
  NEVER,
  isObservable,
  Observable,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { isSciroccoError } from '../client/scirocco-error.js';
import type { SciroccoMessage } from '../protocol/message-metadata.js';
import { backoffDelay, resolveBackoff, type BackoffOptions } from './backoff.js';
import type { FlowEvent, FlowEventHandler } from './flow-event.js';
import { reportLikelyCors } from './likely-cors.js';
import { detachedOf, type QueueOps } from './queue-ops.js';
import { receivedMessage, type MessageFlow, type ReceivedMessage } from './received-message.js';

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
   * `requeue` pushes a copy to this node and acks the original; `strand` leaves it `processing`.
   * Either way a `requeued` or `stranded` event reports it. @default 'requeue'
   */
  readonly onUnsubscribe?: 'requeue' | 'strand';
  /** Where timers run: inject a `TestScheduler` to test in virtual time. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
  /** Receives the stream's events. */
  readonly onEvent?: FlowEventHandler;
}

function positive(name: string, value: number | undefined, whole: boolean): void {
  if (value === undefined) return;
  if (!(value > 0) || (whole && !Number.isSafeInteger(value)) || !Number.isFinite(value)) {
    throw new RangeError(
      `pull$: ${name} must be a positive ${whole ? 'whole ' : ''}number, got ${String(value)}`,
    );
  }
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
 * Hands back a message claimed for a subscriber that is gone: requeued (a copy pushed to this
 * node, the original acked), or left `processing` (`strand`); reported either way.
 */
function handBack<T>(message: SciroccoMessage<T>, flow: MessageFlow, policy: 'requeue' | 'strand'): void {
  const reason = 'claimed after the subscriber unsubscribed';
  flow.emit({ type: 'pulled', node: flow.ops.node, message: message.metadata });
  const received = receivedMessage(message, flow, () => undefined);
  if (policy === 'strand') {
    received.release(reason);
    return;
  }
  received.requeue().subscribe({
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
  positive('interval', options.interval, false);
  positive('maxMessages', options.maxMessages, true);
  positive('maxInFlight', options.maxInFlight, true);
  positive('stallTimeout', options.stallTimeout, false);
  const stallTimeout = options.stallTimeout ?? 60_000;
  const backoff = resolveBackoff(options.backoff);
  const interval = options.interval ?? 500;
  const scheduler = options.scheduler ?? asyncScheduler;
  // Work that downstream triggers runs after the current callback: a microtask by default (no
  // timer's delay per message), the injected scheduler in tests.
  const hop = options.scheduler ?? asapScheduler;
  const onUnsubscribe = options.onUnsubscribe ?? 'requeue';
  const detached = detachedOf(ops);
  const pullOnce = detached.pull;
  const ackOnce = detached.ack ?? (<M>(id: string) => ops.ack$<M>(id));
  const emit: FlowEventHandler = (event: FlowEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // an event handler must not break the flow
    }
  };

  return defer(
    () =>
      new Observable<ReceivedMessage<T>>((subscriber) => {
        let capacity = options.maxInFlight ?? 1;
        let outstanding = 0;
        let emitted = 0;
        let failures = 0;
        let pulling = false;
        let paused = false;
        let stopping = false;
        let closed = false;
        let timer: Subscription | undefined;
        let running = false;
        let again = false;
        let settling: Subscription | undefined;
        let mismatched = false;
        let stall: Subscription | undefined;

        const flow: MessageFlow = {
          ops,
          scheduler,
          emit,
          ack: ackOnce,
          demand: (count) => {
            if (options.maxInFlight !== undefined && count !== options.maxInFlight && !mismatched) {
              mismatched = true;
              emit({
                type: 'in-flight-mismatch',
                node: ops.node,
                maxInFlight: options.maxInFlight,
                demanded: count,
              });
            }
            if (options.maxInFlight === undefined && count > capacity) {
              capacity = count;
              scheduleTick();
            }
          },
        };
        /**
         * Work that downstream triggers (a settlement frees a slot, a demand raises the limit) is
         * scheduled, never run inside the downstream callback, which may be in the middle of an
         * operator (a buffer being flushed): the memory queue answers at once, as HTTP never does.
         */
        function scheduleTick(): void {
          settling ??= hop.schedule(() => {
            settling = undefined;
            tick();
          });
        }
        /** When the last message was settled, or the limit first reached: what a stall counts from. */
        let quietSince = 0;
        let stallReported = false;
        const settled = () => {
          outstanding--;
          quietSince = scheduler.now();
          stallReported = false;
          scheduleTick();
        };
        /**
         * At the limit: say so if no message is settled for `stallTimeout`. One timer watches, and
         * a settlement only moves the moment it counts from (no timer per message): when the timer
         * fires early, it waits out the rest.
         */
        const watchStall = () => {
          if (stall || outstanding < capacity) return;
          quietSince = scheduler.now();
          const check = (): void => {
            stall = undefined;
            if (outstanding < capacity || stallReported || closed) return;
            const quiet = scheduler.now() - quietSince;
            if (quiet < stallTimeout) {
              stall = scheduler.schedule(check, stallTimeout - quiet);
              return;
            }
            stallReported = true;
            emit({ type: 'stalled', node: ops.node, inFlight: outstanding, sinceMs: quiet });
          };
          stall = scheduler.schedule(check, stallTimeout);
        };
        const finished = () =>
          stopping || (options.maxMessages !== undefined && emitted >= options.maxMessages);

        /** Runs `step` until it stops asking for more; re-entrant calls only ask for one more round. */
        function tick(): void {
          if (running) {
            again = true;
            return;
          }
          running = true;
          try {
            do {
              again = false;
              step();
              // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- step() sets it through tick()
            } while (again);
          } finally {
            running = false;
          }
        }

        function step(): void {
          if (closed) return;
          if (finished()) {
            if (!pulling) subscriber.complete();
            return;
          }
          if (paused || pulling || timer || outstanding >= capacity) return;
          pull();
        }

        function wait(ms: number): void {
          timer = scheduler.schedule(() => {
            timer = undefined;
            tick();
          }, ms);
        }

        function pull(): void {
          pulling = true;
          if (failures > 0) emit({ type: 'retried', node: ops.node, operation: 'pull', attempt: failures });
          (pullOnce?.<T>() ?? ops.pullNext$<T>()).subscribe({
            next: (option) => {
              pulling = false;
              failures = 0;
              if (option.isNone()) {
                emit({ type: 'empty', node: ops.node });
                if (closed) return;
                if (options.stopWhenEmpty) stopping = true;
                else wait(interval);
                tick();
                return;
              }
              const message = option.value;
              if (closed) {
                handBack(message, flow, onUnsubscribe);
                return;
              }
              outstanding++;
              emitted++;
              emit({ type: 'pulled', node: ops.node, message: message.metadata });
              subscriber.next(receivedMessage(message, flow, settled));
              watchStall();
              tick();
            },
            error: (error: unknown) => {
              pulling = false;
              if (closed) return;
              if (failures === 0 && isSciroccoError(error)) reportLikelyCors(error, 'pull', ops.node, emit);
              // A pull with no answer may have claimed a message that nobody will get: say so.
              if (isSciroccoError(error) && error.kind === 'timeout') {
                emit({ type: 'possibly-stranded', node: ops.node, error });
              }
              if (stopping && isSciroccoError(error) && error.retryable) {
                // Stopping never waits out a backoff: the failed pull brought no message; done.
                tick();
                return;
              }
              if (isSciroccoError(error) && error.retryable && failures < backoff.retries) {
                failures++;
                const delayMs = backoffDelay(failures, backoff);
                emit({
                  type: 'backing-off',
                  node: ops.node,
                  operation: 'pull',
                  attempt: failures,
                  delayMs,
                  error,
                });
                wait(delayMs);
                return;
              }
              subscriber.error(error);
            },
          });
        }

        function stopNow(): void {
          stopping = true;
          timer?.unsubscribe();
          timer = undefined;
          tick();
        }

        const controls = [
          options.pause?.subscribe((value) => {
            paused = value;
            if (!value) tick();
          }),
          stopSignal(options.stop).subscribe({ next: stopNow, complete: stopNow }),
        ];
        tick();
        return () => {
          closed = true;
          timer?.unsubscribe();
          settling?.unsubscribe();
          stall?.unsubscribe();
          for (const control of controls) control?.unsubscribe();
        };
      }),
  );
}
