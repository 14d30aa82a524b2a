import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import type { SciroccoMessage } from '../protocol/message-metadata.js';
import { checkPolicy } from './check-option.js';
import type { ReceivedMessage } from './received-message.js';

/** What {@link skipMessages} does with a message it drops. */
export type OnSkip = 'ack' | 'requeue' | 'release' | { readonly deadLetter: string };

/**
 * Options of {@link skipMessages}.
 *
 * @example
 * ```ts
 * import type { SkipMessagesOptions } from 'scirocco-rx';
 *
 * const options: SkipMessagesOptions = { onSkip: { deadLetter: 'dead' } };
 * ```
 */
export interface SkipMessagesOptions {
  /**
   * How a dropped message is settled: `'ack'` it (it ends `processed`: consumed and discarded);
   * `'requeue'` it for another consumer; `{ deadLetter: node }`; or `'release'` it, which frees
   * its slot and leaves it `processing`. @default 'ack'
   */
  readonly onSkip?: OnSkip;
}

function settle<T, O>(
  message: ReceivedMessage<T, O>,
  onSkip: OnSkip,
): Observable<SciroccoMessage<O>> | undefined {
  if (onSkip === 'release') {
    message.release();
    return undefined;
  }
  if (onSkip === 'ack') return message.ack();
  return onSkip === 'requeue' ? message.requeue() : message.deadLetter(onSkip.deadLetter);
}

/**
 * The `filter` of message flows: lets through the messages for which `skip` is false, and settles
 * the others (acks them by default) instead of dropping them. A plain `filter` between `pull$` and
 * `ackOnComplete` drops messages that still hold their in-flight slots: once as many are dropped
 * as the stream may have in flight, it never pulls again (a `stalled` event says so).
 *
 * ```
 * pull$:         a-b-c-d-|
 * skip(b, d):    a---c---|      b, d: acked, reported as `skipped`
 * ```
 *
 * A settlement that fails is reported as a `failed` event of the stream; the skipped message is
 * then left `processing` and its slot freed.
 *
 * @param skip - true for a message to drop.
 * @param options - how a dropped message is settled.
 * @returns an operator for the stream of received messages.
 *
 * @example
 * ```ts
 * import { ackOnComplete, createClient, skipMessages } from 'scirocco-rx';
 *
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * client
 *   .pull$<{ celsius: number }>()
 *   .pipe(
 *     skipMessages((message) => message.payload.celsius < -50), // a broken sensor: acked, not handled
 *     ackOnComplete((message) => console.log(message.payload.celsius)),
 *   )
 *   .subscribe();
 * ```
 */
export function skipMessages<T, O = T>(
  skip: (message: ReceivedMessage<T, O>) => boolean,
  options: SkipMessagesOptions = {},
): MonoTypeOperatorFunction<ReceivedMessage<T, O>> {
  const onSkip = options.onSkip ?? 'ack';
  checkPolicy('skipMessages', 'onSkip', onSkip, ['ack', 'requeue', 'release']);
  return (source) =>
    new Observable<ReceivedMessage<T, O>>((subscriber) => {
      const settling = source.subscribe({
        next: (message) => {
          let dropped: boolean;
          try {
            dropped = skip(message);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          if (!dropped) {
            subscriber.next(message);
            return;
          }
          const { flow } = message;
          flow.emit({ type: 'skipped', node: flow.ops.node, message: message.metadata });
          // Let the settlement finish even after unsubscribe: the message was decided on.
          settle(message, onSkip)?.subscribe({
            error: (error: unknown) => {
              flow.emit({ type: 'failed', node: flow.ops.node, message: message.metadata, error });
              message.release();
            },
          });
        },
        error: (error: unknown) => {
          subscriber.error(error);
        },
        complete: () => {
          subscriber.complete();
        },
      });
      return settling;
    });
}
