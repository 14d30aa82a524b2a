import {
  asyncScheduler,
  catchError,
  defer,
  finalize,
  from,
  isObservable,
  map,
  mergeMap,
  Observable,
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
import { detachedOf, type QueueOps } from './queue-ops.js';
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
 * An AsyncIterable read lazily: items are asked for only while fewer than `slots` are being read
 * or worked on, so no more than `slots` are ever held.
 */
function lazyMerge<I, O>(
  iterable: AsyncIterable<I>,
  slots: number,
  work: (item: I) => Observable<O>,
): Observable<O> {
  return new Observable<O>((subscriber) => {
    const iterator = iterable[Symbol.asyncIterator]();
    const subscriptions = new Subscription();
    let busy = 0; // items being read or worked on
    let ended = false;
    const settle = (): void => {
      busy--;
      if (ended && busy === 0) subscriber.complete();
      else pump();
    };
    const pump = (): void => {
      while (!subscriber.closed && !ended && busy < slots) {
        busy++;
        iterator.next().then(
          (next) => {
            if (subscriber.closed) return;
            if (next.done) {
              ended = true;
              settle();
              return;
            }
            subscriptions.add(
              work(next.value).subscribe({
                next: (value) => {
                  subscriber.next(value);
                },
                error: (error: unknown) => {
                  subscriber.error(error);
                },
                complete: settle,
              }),
            );
          },
          (error: unknown) => {
            subscriber.error(error);
          },
        );
      }
    };
    pump();
    return () => {
      subscriptions.unsubscribe();
      if (!ended) void iterator.return?.();
    };
  });
}

/**
 * Pushes every item of `source` to `options.to` and emits each pushed message: the sink of a
 * message flow. `source` is any `ObservableInput` (Observable, array, Promise, iterable) or an
 * `AsyncIterable`, read lazily: a source of a million items never holds more than `concurrency`
 * of them in memory. A fast hot Observable cannot be slowed down (RxJS has no backpressure): its
 * items wait in a buffer, bounded by `maxBuffered`.
 *
 * ```
 * source:    a--b--c----|
 * pushFrom:  -A--B--C---|     (A: the message pushed for a)
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
  const push = detachedOf(ops).push ?? ops.push$.bind(ops);
  const pushOne = (item: I) => {
    const at = typeof options.scheduledAt === 'function' ? options.scheduledAt(item) : options.scheduledAt;
    return push(options.to, item, {
      ...(options.payloadType === undefined ? {} : { payloadType: options.payloadType }),
      ...(at === undefined ? {} : { scheduledAt: at }),
    }).pipe(
      retryWithBackoff('push', backoff, scheduler, ops.node, emit),
      tap((message) => {
        emit({ type: 'pushed', node: ops.node, message: message.metadata });
      }),
    );
  };

  return defer(() => {
    // Every item taken from the source and not pushed yet: named in the error if it gives up.
    const held = new Set<{ readonly item: I }>();
    const take = (item: I) => {
      const entry = { item };
      held.add(entry);
      return entry;
    };
    const unpushed = () => [...held].map((entry) => entry.item);
    const pushEntry = (entry: { readonly item: I }) =>
      pushOne(entry.item).pipe(
        tap(() => held.delete(entry)),
        catchError((error: unknown) => {
          held.delete(entry);
          return throwError(() => (isSciroccoError(error) ? error.withItem(entry.item, unpushed()) : error));
        }),
      );
    if (isAsyncIterable(source)) return lazyMerge(source, concurrency, (item) => pushEntry(take(item)));
    if (!isObservable(source)) return from(source).pipe(map(take), mergeMap(pushEntry, concurrency));
    let waiting = 0;
    let active = 0;
    return source.pipe(
      map((item) => {
        const entry = take(item);
        if (active + waiting >= concurrency + maxBuffered) {
          throw new PushBufferOverflowError(maxBuffered, unpushed());
        }
        waiting++;
        return entry;
      }),
      mergeMap((entry) => {
        waiting--;
        active++;
        return pushEntry(entry).pipe(finalize(() => active--));
      }, concurrency),
    );
  });
}
