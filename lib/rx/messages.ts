import { firstValueFrom, tap, type Subscription } from 'rxjs';
import { pull$, type PullOptions } from './pull.js';
import type { QueueOps } from './queue-ops.js';
import type { SciroccoMessage } from '../protocol/message-metadata.js';
import type { ReceivedMessage, SettleStep } from './received-message.js';
import { resolveBackoff } from './backoff.js';
import { retriedStep } from './retry-with-backoff.js';

/**
 * Options of {@link messages}: those of `pull$`, with `signal` for a graceful stop.
 *
 * @example
 * ```ts
 * import type { MessagesOptions } from 'scirocco-rx';
 *
 * const options: MessagesOptions = { signal: AbortSignal.timeout(60_000), interval: 1_000 };
 * ```
 */
export interface MessagesOptions extends Omit<PullOptions, 'maxInFlight' | 'stop'> {
  /** Graceful stop: no new pull, the loop ends after the message in hand. */
  readonly signal?: AbortSignal;
}

const ACK_BACKOFF = resolveBackoff({}, 5);

/** Each step of a settlement retried with backoff on the message's stream, as ackOnComplete does. */
function retried(message: ReceivedMessage): SettleStep {
  const { flow } = message;
  return retriedStep(ACK_BACKOFF, flow.scheduler, flow.ops.node, flow.emit);
}

/** The ack of a message the loop body left unsettled, retried. */
function acked<T>(message: ReceivedMessage<T>) {
  return retried(message)('ack', message.ack());
}

/** A received message that remembers whether the loop body settled it. */
function tracked<T>(message: ReceivedMessage<T>): { message: ReceivedMessage<T>; settled: () => boolean } {
  let settled = false;
  const mark = tap<SciroccoMessage<T>>(() => (settled = true));
  return {
    settled: () => settled,
    message: Object.freeze({
      ...message,
      ack: () => message.ack().pipe(mark),
      requeue: (options?: Parameters<ReceivedMessage<T>['requeue']>[0]) =>
        message.requeue(options).pipe(mark),
      deadLetter: (node: string, step?: Parameters<ReceivedMessage<T>['deadLetter']>[1]) =>
        message.deadLetter(node, step).pipe(mark),
      release: (reason?: string) => {
        settled = true;
        message.release(reason);
      },
    }),
  };
}

/**
 * This node's messages as an `AsyncIterable`, for `for await` loops: the Node-native form of
 * `pull$`, for handler code without RxJS. The demand is the loop's speed: one message is claimed
 * at a time, when the loop asks for it.
 *
 * ```
 * server:    a b . . c
 * for await: a--b------c--     (each after the loop body of the previous one)
 * ```
 *
 * A message the loop body leaves unsettled is **acked when the loop asks for the next one** (the
 * body finished), and **handed back when the loop ends early** — `break`, `return` or a throw
 * before it was settled — with a `handed-back` event (requeued: nacked, or a copy pushed back). Settle it yourself (`await
 * firstValueFrom(message.ack())`, `requeue()`, `deadLetter()`, `release()`) to decide otherwise.
 * The loop ends when `signal` aborts (after the message in hand) or with `maxMessages` /
 * `stopWhenEmpty`; a fatal error is thrown from the loop.
 *
 * @param ops - the client's operations (`client.messages` passes its own).
 * @param options - the polling options and the stop signal.
 * @returns an AsyncIterable of received messages.
 *
 * @example
 * ```ts
 * import { createClient } from 'scirocco-rx';
 *
 * declare function save(reading: { celsius: number }): Promise<void>; // your code
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * const shutdown = new AbortController();
 * for await (const message of client.messages<{ celsius: number }>({ signal: shutdown.signal })) {
 *   await save(message.payload); // acked when the loop comes back for the next one
 * }
 * ```
 */
export function messages<T = unknown>(
  ops: QueueOps,
  options: MessagesOptions = {},
): AsyncIterable<ReceivedMessage<T>> {
  const { signal, ...pulling } = options;
  return {
    [Symbol.asyncIterator](): AsyncIterator<ReceivedMessage<T>> {
      const buffered: ReturnType<typeof tracked<T>>[] = [];
      const waiting: ((next: IteratorResult<ReceivedMessage<T>>) => void)[] = [];
      let failure: { error: unknown } | undefined;
      let ended = false;
      let current: ReturnType<typeof tracked<T>> | undefined;
      let subscription: Subscription | undefined;
      const wake = () => {
        while (waiting.length > 0 && (buffered.length > 0 || ended || failure)) {
          const resolve = waiting.shift();
          if (!resolve) break;
          const next = buffered.shift();
          if (next) {
            current = next;
            resolve({ value: next.message, done: false });
          } else resolve({ value: undefined, done: true });
        }
      };
      const start = () => {
        subscription ??= pull$<T>(ops, {
          ...pulling,
          maxInFlight: 1,
          ...(signal ? { stop: signal } : {}),
        }).subscribe({
          next: (message) => {
            buffered.push(tracked(message));
            wake();
          },
          error: (error: unknown) => {
            failure = { error };
            wake();
          },
          complete: () => {
            ended = true;
            wake();
          },
        });
      };
      return {
        async next() {
          const previous = current;
          current = undefined;
          if (previous && !previous.settled()) await firstValueFrom(acked(previous.message));
          start();
          if (buffered.length === 0 && failure) throw failure.error;
          return new Promise((resolve) => {
            waiting.push(resolve);
            wake();
          }).then((next) => {
            if ((next as IteratorResult<ReceivedMessage<T>>).done && failure) throw failure.error;
            return next as IteratorResult<ReceivedMessage<T>>;
          });
        },
        async return() {
          const unsettled = current && !current.settled() ? current : undefined;
          current = undefined;
          subscription?.unsubscribe();
          ended = true;
          if (unsettled) {
            const { message } = unsettled;
            await firstValueFrom(
              message.requeue({
                step: retried(message),
                handBack: 'the loop ended before it settled the message',
              }),
            ).catch((error: unknown) => {
              const reason = `the loop ended before it settled the message; requeue failed: ${String(error)}`;
              message.release(reason);
            });
          }
          return { value: undefined, done: true };
        },
      };
    },
  };
}
