import {
  asyncScheduler,
  bufferTime,
  defer,
  filter,
  tap,
  type OperatorFunction,
  type SchedulerLike,
} from 'rxjs';
import { defaultAckWindow } from './ack-coalescer.js';
import { checkMillis, checkPositive } from './check-option.js';
import type { MessageFlow, ReceivedMessage } from './received-message.js';

/**
 * Options of {@link batchMessages}.
 *
 * @example
 * ```ts
 * import type { BatchMessagesOptions } from 'scirocco-rx';
 *
 * const options: BatchMessagesOptions = { size: 50, timeMs: 200 };
 * ```
 */
export interface BatchMessagesOptions {
  /** Most messages in a batch; the stream is asked to keep this many in flight. */
  readonly size: number;
  /** Longest wait for a batch to fill, in milliseconds, from its first message. */
  readonly timeMs: number;
  /**
   * Gathers the acks of a batch's messages (`message.ack()`) asked within this many milliseconds
   * into one batch ack where the server offers it, as `ackOnComplete`'s `ackWindow`: acking a
   * whole batch in a loop sends one request. @default 2 in real time; 0 in virtual time
   */
  readonly ackWindow?: number;
  /** Where the batch timer runs. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/**
 * Collects received messages into batches of up to `size`, each emitted when it is full or
 * `timeMs` after the previous batch, whichever comes first (empty batches are not emitted). It asks
 * the `pull$` the messages come from to keep `size` messages in flight: a plain `bufferTime`
 * after a `pull$` with the default `maxInFlight` of 1 gets batches of one message. Settle every
 * message of a batch (`ack()`, `requeue()`, `release()`…) to free its slot. The acks of a batch,
 * asked together, go in one batch ack where the server offers it (`ackWindow`).
 *
 * ```
 * pull$:           abc-----d-----|
 * batchMessages:   ---[abc]-----[d]|     (size 3; d after timeMs)
 * ```
 *
 * @param options - the batch size and the longest wait.
 * @returns an operator from received messages to arrays of them.
 *
 * @example
 * ```ts
 * import { concatMap } from 'rxjs';
 * import { batchMessages, createClient } from 'scirocco-rx';
 *
 * declare function saveAll(rows: unknown[]): Promise<void>; // your bulk insert
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * client
 *   .pull$()
 *   .pipe(
 *     batchMessages({ size: 50, timeMs: 200 }),
 *     concatMap(async (batch) => {
 *       await saveAll(batch.map((message) => message.payload));
 *       for (const message of batch) message.ack().subscribe();
 *     }),
 *   )
 *   .subscribe();
 * ```
 */
export function batchMessages<T, O = T>(
  options: BatchMessagesOptions,
): OperatorFunction<ReceivedMessage<T, O>, ReceivedMessage<T, O>[]> {
  checkPositive('batchMessages', 'size', options.size, true);
  checkPositive('batchMessages', 'timeMs', options.timeMs, false);
  checkMillis('batchMessages', 'ackWindow', options.ackWindow);
  const { size, timeMs } = options;
  return (source) =>
    defer(() => {
      let asked = false;
      return source.pipe(
        tap((message) => {
          if (asked) return;
          asked = true;
          const flow = (message as { flow?: MessageFlow }).flow;
          if (!flow) return;
          flow.demand(size);
          flow.gatherAcks(options.ackWindow ?? defaultAckWindow(options.scheduler ?? flow.scheduler), size);
        }),
        bufferTime(timeMs, null, size, options.scheduler ?? asyncScheduler),
        filter((batch) => batch.length > 0),
      );
    });
}
