/**
 * The life-cycle states of a message:
 * `scheduled` (waiting for its time) and `pending` are due for a pull; a pull makes it
 * `processing`; an ack makes it `processed`. There is no way back.
 */
export type MessageStatus = 'scheduled' | 'pending' | 'processing' | 'processed';

/**
 * Every {@link MessageStatus}, in life-cycle order.
 *
 * @example
 * ```ts
 * import { MESSAGE_STATUSES } from 'scirocco-rx';
 *
 * console.log(MESSAGE_STATUSES.join(' → ')); // scheduled → pending → processing → processed
 * ```
 */
export const MESSAGE_STATUSES: readonly MessageStatus[] = Object.freeze([
  'scheduled',
  'pending',
  'processing',
  'processed',
]);

/**
 * Tells whether a value is one of the four {@link MessageStatus} strings (case-sensitive).
 *
 * @example
 * ```ts
 * import { isMessageStatus } from 'scirocco-rx';
 *
 * isMessageStatus('pending'); // true
 * isMessageStatus('PENDING'); // false
 * ```
 */
export function isMessageStatus(value: unknown): value is MessageStatus {
  return typeof value === 'string' && (MESSAGE_STATUSES as readonly string[]).includes(value);
}
