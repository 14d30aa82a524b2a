import {
  asyncScheduler,
  catchError,
  concatMap,
  from,
  isObservable,
  Observable,
  of,
  Subscription,
  tap,
  throwError,
  type ObservableInput,
  type SchedulerLike,
} from 'rxjs';
import type { Payload, PayloadOf } from '../client/payload.js';
import { isSciroccoError } from '../client/scirocco-error.js';
import type { SciroccoMessage } from '../protocol/message-metadata.js';
import { resolveBackoff, type BackoffOptions } from './backoff.js';
import { checkPositive } from './check-option.js';
import { safeEmitter } from './safe-emitter.js';
import type { FlowEventHandler } from './flow-event.js';
import { extensionsDiscovery } from './extensions-discovery.js';
import { detachedOf, usesBatchPush, type QueueOps } from './queue-ops.js';
import { retryWithBackoff } from './retry-with-backoff.js';

/**
 * Options of `pushFrom` and `pushTo`.
 *
 * @example
 * ```ts
 * import type { PushFromOptions } from 'scirocco-rx';
 *
 * const options: PushFromOptions<{ at?: number }> = {
 *   to: 'bc456',
 *   concurrency: 4,
 *   scheduledAt: (item) => (item.at === undefined ? undefined : new Date(item.at)),
 * };
 * ```
 */
export interface PushFromOptions<I> {
  /** The destination node id. */
  readonly to: string;
  /** Most pushes in flight; with 1 the order of the source is kept. @default 1 */
  readonly concurrency?: number;
  /** The payload type label of every message. */
  readonly payloadType?: string;
  /** When each message becomes due: one time, or a time per item (`undefined`: at once). */
  readonly scheduledAt?: Date | ((item: I) => Date | undefined);
  /**
   * For Observable sources, which RxJS cannot slow down: most items received and waiting for a
   * free push slot. One more errors the stream with a {@link PushBufferOverflowError}.
   * @default Infinity
   */
  readonly maxBuffered?: number;
  /** Spacing of retries of retryable push failures. @default 5 retries from 500 ms */
  readonly backoff?: BackoffOptions;
  /** Where retry timers run. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
  /** Receives `pushed`, `backing-off`, `retried` and `cors-suspected` events. */
  readonly onEvent?: FlowEventHandler;
}

/**
 * A fast Observable source got more than `maxBuffered` items ahead of the pushes: RxJS cannot
 * slow a hot source down, so `pushFrom` errors instead of buffering without bound.
 *
 * @example
 * ```ts
 * import { interval } from 'rxjs';
 * import { createClient, PushBufferOverflowError } from 'scirocco-rx';
 *
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * client.pushFrom(interval(1), { to: 'bc456', maxBuffered: 100 }).subscribe({
 *   error: (error) => {
 *     if (error instanceof PushBufferOverflowError) console.error(error.message);
 *   },
 * });
 * ```
 */
export class PushBufferOverflowError extends Error {
  override readonly name = 'PushBufferOverflowError';
  constructor(
    readonly maxBuffered: number,
    /** The items taken from the source and not pushed, the one that overflowed last. */
    readonly unpushed: readonly unknown[] = [],
  ) {
    super(
      `pushFrom: more than ${maxBuffered} items are waiting for a push slot (maxBuffered); the source is faster than the server: raise concurrency or maxBuffered, or slow the source`,
    );
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * Pushes every item of `source` to `options.to` and emits each pushed message: the sink of a
 * message flow. `source` is any `ObservableInput` (Observable, array, Promise, iterable) or an
 * `AsyncIterable`, read lazily: a source of a million items never holds more than `concurrency`
 * requests' worth of them in memory. A fast hot Observable cannot be slowed down (RxJS has no
 * backpressure): its items wait in a buffer, bounded by `maxBuffered`.
 *
 * When the source runs ahead of the pushes and the server has batch pushes (`batch-push`), a
 * free slot takes every item waiting, up to the server's batch, in one request: a slow source
 * gets one push per item, a fast one a few requests for thousands. Against the original, one
 * push per item.
 *
 * ```
 * source:    a--b--c----|
 * pushFrom:  -A--B--C---|     (A: the message pushed for a)
 *
 * source:    (abcd)|          (faster than the pushes)
 * pushFrom:  -A-(BCD|)        (b, c, d waited for a's push: one batch)
 * ```
 *
 * Retryable push failures are retried with backoff; any other failure errors the stream with a
 * `SciroccoError` whose `item` is the item that failed. With `concurrency` 1 the order of the
 * source is kept.
 *
 * What breaks it: a hot source faster than the server fills the buffer (set `maxBuffered` to be
 * told, with a `PushBufferOverflowError`); on a failure that is not retryable, the items taken
 * and not pushed are in the error's `unpushed`, not in the queue.
 *
 * @param ops - the client's operations (`client.pushFrom` passes its own).
 * @param source - the items to push: an ObservableInput or an AsyncIterable, read lazily.
 * @param options - the destination, the concurrency, the buffer bound and the retries.
 * @returns a cold Observable of the pushed messages.
 *
 * @example
 * ```ts
 * import { interval, map, take } from 'rxjs';
 * import { createClient } from 'scirocco-rx';
 *
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * const readings = interval(1_000).pipe(map((n) => ({ celsius: 20 + (n % 5) })), take(10));
 * client.pushFrom(readings, { to: 'bc456' }).subscribe((message) => console.log(message.metadata.id));
 * ```
 */
export function pushFrom<I extends Payload>(
  ops: QueueOps,
  source: ObservableInput<I> | AsyncIterable<I>,
  options: PushFromOptions<I>,
): Observable<SciroccoMessage<PayloadOf<I>>> {
  const concurrency = options.concurrency ?? 1;
  const maxBuffered = options.maxBuffered ?? Infinity;
  checkPositive('pushFrom', 'concurrency', concurrency, true);
  if (!(maxBuffered >= 0))
    throw new RangeError(`pushFrom: maxBuffered must be a number >= 0, got ${String(maxBuffered)}`);
  const backoff = resolveBackoff(options.backoff, 5);
  const scheduler = options.scheduler ?? asyncScheduler;
  const emit = safeEmitter(options.onEvent);
  // Pushes already sent are let finish on unsubscribe: aborting one would leave it unknown
  // whether the server stored the message.
  const detached = detachedOf(ops);
  const push = detached.push ?? ops.push$.bind(ops);
  const pushMany = usesBatchPush(ops) ? (detached.pushMany ?? ops.pushMany$?.bind(ops)) : undefined;
  const discover = extensionsDiscovery(ops);
  const optionsOf = (item: I) => {
    const at = typeof options.scheduledAt === 'function' ? options.scheduledAt(item) : options.scheduledAt;
    return {
      ...(options.payloadType === undefined ? {} : { payloadType: options.payloadType }),
      ...(at === undefined ? {} : { scheduledAt: at }),
    };
  };
  const pushed = (message: SciroccoMessage<PayloadOf<I>>) => {
    emit({ type: 'pushed', node: ops.node, message: message.metadata });
  };

  return new Observable<SciroccoMessage<PayloadOf<I>>>((subscriber) => {
    // Every item taken from the source and not pushed yet: named in the error if it gives up.
    const held = new Set<Entry<I>>();
    const unpushed = () => [...held].map((entry) => entry.item);
    const failed = (entry: Entry<I>, error: unknown) => {
      held.delete(entry);
      return isSciroccoError(error) ? error.withItem(entry.item, unpushed()) : error;
    };
    /** One item, pushed alone, retried with backoff. */
    const pushOne = (entry: Entry<I>) =>
      push(options.to, entry.item, optionsOf(entry.item)).pipe(
        retryWithBackoff('push', backoff, scheduler, ops.node, emit),
        tap((message) => {
          held.delete(entry);
          pushed(message);
        }),
        catchError((error: unknown) => throwError(() => failed(entry, error))),
      );
    /**
     * Items that waited, pushed in one request (retried as a whole with backoff); an item the
     * server refused retryably is pushed again alone. Emitted in the order of the items.
     */
    const pushBatch = (batch: readonly Entry<I>[], many: NonNullable<typeof pushMany>) =>
      many(batch.map(({ item }) => ({ destination: options.to, payload: item, ...optionsOf(item) }))).pipe(
        retryWithBackoff('push', backoff, scheduler, ops.node, emit),
        // An item the client refuses fails the whole call: then each goes alone, so that the
        // items before it are pushed and the error names it.
        catchError((error: unknown) =>
          isSciroccoError(error) && error.kind === 'invalid-argument'
            ? of(undefined)
            : throwError(() => failed(batch[0] as Entry<I>, error)),
        ),
        concatMap((outcomes) =>
          outcomes === undefined
            ? from(batch).pipe(concatMap(pushOne))
            : from(batch).pipe(
                concatMap((entry, n) => {
                  const outcome = outcomes[n];
                  if (outcome?.isOk()) {
                    held.delete(entry);
                    pushed(outcome.value);
                    return of(outcome.value);
                  }
                  const error = outcome?.isErr()
                    ? outcome.error
                    : new Error(`no outcome for item ${String(n)}`);
                  return isSciroccoError(error) && error.retryable
                    ? pushOne(entry)
                    : throwError(() => failed(entry, error));
                }),
              ),
        ),
      );

    const subscriptions = new Subscription();
    const waiting: Entry<I>[] = [];
    let active = 0; // requests in flight
    let activeItems = 0; // their items
    let ended = false; // the source is done
    let reading = 0; // reads of an AsyncIterable under way
    /** The most items of one request: 1 until the server is known to push in batches. */
    let most = 1;
    let pump: () => void = () => undefined;
    const fail = (error: unknown) => {
      subscriber.error(error);
    };
    const finish = () => {
      if (ended && active === 0 && reading === 0 && waiting.length === 0) subscriber.complete();
    };
    /** Fills the free slots: each takes every item waiting, up to a batch. */
    const dispatch = () => {
      while (!subscriber.closed && active < concurrency && waiting.length > 0) {
        const batch = waiting.splice(0, most);
        active++;
        activeItems += batch.length;
        const sent =
          batch.length > 1 && pushMany ? pushBatch(batch, pushMany) : pushOne(batch[0] as Entry<I>);
        const subscription = sent.subscribe({
          next: (message) => {
            subscriber.next(message);
          },
          error: fail,
        });
        // The next request starts once this one is torn down, as `mergeMap` starts its next.
        subscription.add(() => {
          active--;
          activeItems -= batch.length;
          dispatch();
          pump();
          finish();
        });
        subscriptions.add(subscription);
      }
    };
    const take = (item: I) => {
      const entry = { item };
      held.add(entry);
      waiting.push(entry);
      return entry;
    };
    if (pushMany) {
      // Whether the server pushes in batches, and how many at most: asked once for the stream.
      // Meanwhile each item goes alone, at once.
      subscriptions.add(
        discover().subscribe((offered) => {
          most = offered.maxBatchPush ?? 1;
          dispatch();
          pump();
        }),
      );
    }

    if (isAsyncIterable(source)) {
      // Read lazily: no more items are asked for than the free slots can take, a batch each.
      const iterator = source[Symbol.asyncIterator]();
      pump = () => {
        while (!subscriber.closed && !ended && reading + waiting.length + activeItems < concurrency * most) {
          reading++;
          iterator.next().then(
            (next) => {
              reading--;
              if (subscriber.closed) return;
              if (next.done) ended = true;
              else take(next.value);
              dispatch();
              pump();
              finish();
            },
            (error: unknown) => {
              reading--;
              fail(error);
            },
          );
        }
      };
      pump();
      subscriptions.add(() => {
        if (!ended) void iterator.return?.();
      });
    } else {
      const bounded = isObservable(source);
      subscriptions.add(
        from(source).subscribe({
          next: (item) => {
            take(item);
            dispatch();
            // A hot source cannot be slowed down: past `maxBuffered` items waiting, it errors.
            if (bounded && waiting.length > maxBuffered)
              fail(new PushBufferOverflowError(maxBuffered, unpushed()));
          },
          error: fail,
          complete: () => {
            ended = true;
            finish();
          },
        }),
      );
    }
    return subscriptions;
  });
}

/** An item taken from the source, until it is pushed. */
interface Entry<I> {
  readonly item: I;
}
