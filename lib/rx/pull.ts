import {
  asapScheduler,
  asyncScheduler,
  NEVER,
  isObservable,
  map,
  Observable,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import type { Option } from 'ts-results-es';
import { isSciroccoError } from '../client/scirocco-error.js';
import type { SciroccoMessage } from '../protocol/message-metadata.js';
import { ackCoalescer } from './ack-coalescer.js';
import { backoffDelay, resolveBackoff, type BackoffOptions } from './backoff.js';
import { checkPositive } from './check-option.js';
import type { FlowEventHandler } from './flow-event.js';
import { flowCredit } from './flow-credit.js';
import { extensionsDiscovery } from './extensions-discovery.js';
import { reportLikelyCors } from './likely-cors.js';
import { lostAnswer } from './lost-answer.js';
import { detachedOf, usesBatchAck, usesBatchPull, type QueueOps } from './queue-ops.js';
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
  /**
   * Milliseconds to wait after a poll that found nothing. Where the server long-polls, a poll
   * waits on the server instead, and the next one starts when its wait is over; one the server
   * answered sooner with nothing is followed `interval` after it started. @default 500
   */
  readonly interval?: number;
  /**
   * Long polling: how long each pull may wait on the server for a message, where the server
   * offers it (`long-poll`; capped at its most): an idle stream sends about one request per wait,
   * and a pushed message reaches it within milliseconds. A pause, a stop or an unsubscribe ends
   * a wait at once (nothing is claimed for a pull that went away; a message that came anyway is
   * emitted, or handed back). `false` polls every `interval`, as against the original server,
   * which has no long polling; so does `stopWhenEmpty`, which must see an empty queue at once.
   * @default 20000
   */
  readonly longPoll?: number | false;
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
  if (options.longPoll !== false) checkPositive('pull$', 'longPoll', options.longPoll, true);
  checkPositive('pull$', 'maxMessages', options.maxMessages, true);
  checkPositive('pull$', 'maxInFlight', options.maxInFlight, true);
  checkPositive('pull$', 'stallTimeout', options.stallTimeout, false);
  const backoff = resolveBackoff(options.backoff);
  const interval = options.interval ?? 500;
  const scheduler = options.scheduler ?? asyncScheduler;
  const onUnsubscribe = options.onUnsubscribe ?? 'requeue';
  const detached = detachedOf(ops);
  const batches = usesBatchPull(ops);
  const pullOnce = detached.pull ?? (<M>() => ops.pullNext$<M>());
  /** How long a pull may wait on a server that long-polls; 0 (poll) to see an empty queue at once. */
  const longPollMs = options.stopWhenEmpty || options.longPoll === false ? 0 : (options.longPoll ?? 20_000);
  const emit = safeEmitter(options.onEvent);

  /** When the next poll starts after one that found nothing, `elapsed` ms after it started. */
  const nextPollIn = (waitMs: number, elapsed: number) =>
    waitMs > 0 && elapsed >= waitMs ? 0 : Math.max(0, interval - (waitMs > 0 ? elapsed : 0));

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
    /** Ends the wait of a pull that may be waiting on the server (long polling). */
    let endWait: (() => void) | undefined;
    const discover = extensionsDiscovery(ops);
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
    const acks = ackCoalescer({
      ops,
      scheduler,
      hop: options.scheduler ?? asapScheduler,
      discover,
      single: detached.ack ?? (<M>(id: string) => ops.ack$<M>(id)),
      batched: usesBatchAck(ops),
      inFlight: () => credit.inFlight,
      answered: () => {
        credit.wake();
      },
    });
    const flow: MessageFlow = {
      ops,
      scheduler,
      emit,
      ack: (message) => acks.ack(message),
      gatherAcks: (windowMs, joiners) => {
        acks.gather(windowMs, joiners);
      },
      canNack: () => discover().pipe(map((offered) => offered.nack && ops.nack$ !== undefined)),
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
      // Where acks gathered for a batch are under way, their slots come back in a moment: the
      // pull waits for them and claims for all the free slots at once, rather than a few now
      // and the rest in the next pull (pulls never overlap). With slots for a whole round of
      // handlers free already (a prefetch: `maxInFlight` above the concurrency), it goes now,
      // while the acks are answered.
      const waitForAcks = batches && acks.settling && credit.free < acks.joiners;
      if (!paused && !timer && credit.available && !waitForAcks) pull();
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

    /** What a pull asks for: up to `max` messages, waiting up to `waitMs` where the server can. */
    function request(
      max: number,
      waitMs: number,
    ): { answer: Observable<SciroccoMessage<T>[]>; cancel?: () => void } {
      const one = (option: Option<SciroccoMessage<T>>) => (option.isSome() ? [option.value] : []);
      if (detached.pullMany && (max > 1 || waitMs > 0)) {
        const controller = new AbortController();
        return {
          answer: detached.pullMany<T>({ max, waitMs }, controller.signal),
          cancel: () => {
            controller.abort();
          },
        };
      }
      if (max > 1 && batches && ops.pullMany$) return { answer: ops.pullMany$<T>({ max, waitMs }) };
      if (waitMs > 0) return { answer: ops.pullNext$<T>({ waitMs }).pipe(map(one)) };
      return { answer: pullOnce<T>().pipe(map(one)) };
    }

    /**
     * One pull, of as many messages as the stream may take (`maxInFlight` less those in flight,
     * and no more than `maxMessages` leaves). Where it may wait on the server, a pause, a stop or
     * an unsubscribe ends the wait: the server claims nothing for it, and a message that came
     * anyway is emitted (or handed back, once unsubscribed).
     */
    function pull(): void {
      pulling = true;
      if (failures > 0) emit({ type: 'retried', node: ops.node, operation: 'pull', attempt: failures });
      if (longPollMs === 0) {
        send(0);
        return;
      }
      // Whether the server long-polls, and how long at most: asked once for the stream.
      discover().subscribe((offered) => {
        if (closed) pulling = false;
        else if (stopping || paused) {
          pulling = false;
          credit.wake();
        } else send(Math.min(longPollMs, offered.maxPullWaitMs ?? 0));
      });
    }

    function send(waitMs: number): void {
      const left = options.maxMessages === undefined ? Infinity : options.maxMessages - emitted;
      const max = Math.max(1, Math.min(credit.free, left));
      const started = scheduler.now();
      const { answer, cancel } = request(max, waitMs);
      let cancelled = false;
      // Each answer is followed by a scheduled `next`, never a direct call: an answer that comes
      // synchronously must not recurse.
      const done = () => {
        pulling = false;
        endWait = undefined;
        credit.wake();
      };
      const subscription = answer.subscribe({
        next: (messages) => {
          endWait = undefined;
          // Still pulling while the batch is emitted: a handler that settles a message at once
          // must not start the next pull (nor complete the stream) before the batch is out.
          for (const message of messages) received(message);
          pulling = false;
          if (messages.length === 0) {
            failures = 0;
            emit({ type: 'empty', node: ops.node });
            if (options.stopWhenEmpty) stopping = true;
            // A pull that waited its whole wait is followed by the next one at once; one that
            // answered sooner with nothing (a server closing, or without long polling) is
            // followed after the interval, counted from its start: never a loop of empty pulls.
            else if (!closed && !cancelled) wait(nextPollIn(waitMs, scheduler.now() - started));
          }
          credit.wake();
        },
        error: (error: unknown) => {
          if (cancelled && isSciroccoError(error) && error.kind === 'aborted') {
            done();
            return;
          }
          pulling = false;
          endWait = undefined;
          failed(error);
          credit.wake();
        },
      });
      if (subscription.closed || waitMs === 0) return;
      endWait = () => {
        endWait = undefined;
        cancelled = true;
        if (cancel) {
          cancel();
          return;
        }
        // A pull of the operations given, which nothing else cancels: unsubscribing ends its wait.
        subscription.unsubscribe();
        done();
      };
    }

    function stop(): void {
      stopping = true;
      stopRequested = true;
      timer?.unsubscribe();
      timer = undefined;
      endWait?.();
      credit.wake();
    }

    const fail = (error: unknown) => {
      subscriber.error(error);
    };
    const controls = [
      options.pause?.subscribe({
        next: (value) => {
          paused = value;
          if (value) endWait?.();
          else credit.wake();
        },
        error: fail,
      }),
      stopSignal(options.stop).subscribe({ next: stop, complete: stop, error: fail }),
    ];
    next();
    return () => {
      closed = true;
      endWait?.();
      timer?.unsubscribe();
      credit.close();
      for (const control of controls) control?.unsubscribe();
    };
  });
}
