import type { MessageMetadata } from './message-metadata.js';
import type { StoredMessage, StoredPayload } from './stored-message.js';

/**
 * The rules of the queue, written once: which message may be claimed, acked, seen, changed, and
 * what each step makes of it. Every store of the server (memory, SQLite, PostgreSQL: the SQL
 * ones say the same in their statements, and the store contract suite checks they agree) and the
 * memory queue of `scirocco-rx/testing` apply these.
 */
export const queueRules = Object.freeze({
  /** Not claimed yet: `pending`, or `scheduled`. Its source may still update or delete it. */
  isWaiting(message: Pick<MessageMetadata, 'status'>): boolean {
    return message.status === 'pending' || message.status === 'scheduled';
  },

  /** Claimable at `now`: `pending`, or `scheduled` at or before `now`. */
  isDue(message: Pick<MessageMetadata, 'status' | 'scheduledTime'>, now: Date): boolean {
    return (
      message.status === 'pending' ||
      (message.status === 'scheduled' && (message.scheduledTime?.getTime() ?? 0) <= now.getTime())
    );
  },

  /** The message claimed at `now`: `processing`, one more try. */
  claimed(message: StoredMessage, now: Date): StoredMessage {
    return {
      ...message,
      status: 'processing',
      tries: message.tries + 1,
      processingTime: now,
      updateTime: now,
    };
  },

  /** Whether `destination` may ack it: its own, and `processing`. */
  canAck(message: Pick<MessageMetadata, 'status' | 'nodeDestination'>, destination: string): boolean {
    return message.nodeDestination === destination && message.status === 'processing';
  },

  /** The message acked at `now`. */
  acked(message: StoredMessage, now: Date): StoredMessage {
    return { ...message, status: 'processed', processedTime: now };
  },

  /** Whether `node` may see it: its source or its destination. */
  isVisibleTo(message: Pick<MessageMetadata, 'nodeSource' | 'nodeDestination'>, node: string): boolean {
    return message.nodeSource === node || message.nodeDestination === node;
  },

  /** Whether `source` may update or delete it: its own, and still waiting. */
  canChange(message: Pick<MessageMetadata, 'status' | 'nodeSource'>, source: string): boolean {
    return message.nodeSource === source && queueRules.isWaiting(message);
  },

  /**
   * The message given back by its consumer at `now` (the nack extension): waiting again, due at
   * `dueAt` (`scheduled`) or at once (`pending`), its `tries` kept, so that they count deliveries.
   */
  nacked(message: StoredMessage, now: Date, dueAt?: Date): StoredMessage {
    return dueAt !== undefined && dueAt.getTime() > now.getTime()
      ? { ...message, status: 'scheduled', scheduledTime: dueAt, updateTime: now }
      : { ...message, status: 'pending', updateTime: now };
  },

  /** Whether it has been `processing` since `before` or longer: its consumer is taken for gone. */
  isStuck(message: Pick<MessageMetadata, 'status' | 'processingTime'>, before: Date): boolean {
    return message.status === 'processing' && (message.processingTime?.getTime() ?? 0) <= before.getTime();
  },

  /** Whether it was processed at `before` or earlier: past its retention, it may be deleted. */
  isExpired(message: Pick<MessageMetadata, 'status' | 'processedTime'>, before: Date): boolean {
    return message.status === 'processed' && (message.processedTime?.getTime() ?? 0) <= before.getTime();
  },

  /**
   * Since when it is in its status, as a summary ages it: pushed (`createdTime`) while waiting,
   * claimed (`processingTime`) while processing, acked (`processedTime`) once processed.
   */
  since(
    message: Pick<MessageMetadata, 'status' | 'createdTime' | 'processingTime' | 'processedTime'>,
  ): Date | undefined {
    if (message.status === 'processing') return message.processingTime;
    if (message.status === 'processed') return message.processedTime;
    return message.createdTime;
  },

  /** The message with a new payload at `now`. */
  updated(message: StoredMessage, payload: StoredPayload, now: Date): StoredMessage {
    return { ...message, payload, updateTime: now };
  },
});
