import type { MessageStatus } from '../protocol/message-status.js';
import type { StatusGroup } from '../protocol/queue-summary.js';
import type { StoredMessage, StoredPayload } from '../protocol/stored-message.js';

export type { StatusGroup, StoredMessage, StoredPayload };

/**
 * Where the server keeps messages. The server validates every input, generates ids and times,
 * and turns answers into HTTP; a store only persists and applies the rules below, each of which
 * must be atomic (two concurrent calls never both claim, ack or delete the same message).
 *
 * "Due" means `pending`, or `scheduled` with a `scheduledTime` at or before `now`.
 * Every list is oldest first (by `createdTime`, then by insertion).
 *
 * The methods are asynchronous so that a store can sit on SQLite, PostgreSQL or anything else:
 * the interface names operations, not data structures. {@link createMemoryStore} is the default.
 *
 * @example
 * ```ts
 * import { createMemoryStore, startServer, type MessageStore } from 'scirocco-rx/server';
 *
 * // Count claims by wrapping the default store.
 * const inner = createMemoryStore();
 * let claims = 0;
 * const store: MessageStore = {
 *   ...inner,
 *   async claimNextDue(destination, now) {
 *     const claimed = await inner.claimNextDue(destination, now);
 *     if (claimed) claims++;
 *     return claimed;
 *   },
 * };
 * const server = await startServer({ store });
 * await server.close();
 * ```
 */
export interface MessageStore {
  /** Saves a new message (status `pending` or `scheduled`, `tries` 0). */
  insert(message: StoredMessage): Promise<void>;
  /**
   * Claims the oldest due message for `destination`: status `processing`, `processingTime` and
   * `updateTime` set to `now`, `tries` + 1. Resolves to the claimed message, or `undefined`.
   */
  claimNextDue(destination: string, now: Date): Promise<StoredMessage | undefined>;
  /**
   * Claims, as {@link MessageStore.claimNextDue} does one, the `max` oldest due messages for
   * `destination` (fewer when fewer are due; `max` is 1 or more), oldest first, in one step:
   * concurrent calls never share a message. The base of batch claims; a store without it makes
   * a server that claims one at a time.
   */
  claimDue?(destination: string, now: Date, max: number): Promise<readonly StoredMessage[]>;
  /**
   * When the next waiting message of `destination` becomes due: `now` when one is due already, the earliest `scheduledTime` of its `scheduled` ones otherwise, `undefined` when
   * none waits. The base of long polling: a pull that waits is woken then. A store without it
   * makes a server that does not offer long polling.
   */
  nextDue?(destination: string, now: Date): Promise<Date | undefined>;
  /**
   * Tells `listener` of the destinations whose messages may have become due through another
   * server on the same store (its pushes and nacks; `undefined`: any destination, after a
   * processing-timeout sweep), so that the pulls waiting here wake at once. A store only one
   * server uses needs none: the server wakes its own pulls. Returns what stops the listening.
   */
  watchDue?(listener: (destination: string | undefined) => void): () => void;
  /**
   * Marks message `id` `processed` (`processedTime` = `now`) if its destination is `destination`
   * and it is `processing`. Resolves to the updated message, or `undefined`.
   */
  ack(id: string, destination: string, now: Date): Promise<StoredMessage | undefined>;
  /** Message `id` if `node` is its source or its destination. */
  get(id: string, node: string): Promise<StoredMessage | undefined>;
  /**
   * At most `limit` messages whose source or destination is `node`, oldest first; only those of
   * `status` when it is given (a store that ignores it still works: the server keeps only those of
   * `status` from what it returns, so the list may be shorter than `limit`).
   */
  list(node: string, limit: number, status?: MessageStatus): Promise<readonly StoredMessage[]>;
  /**
   * Replaces the payload of message `id` (and sets `updateTime` to `now`) if `source` is its
   * source and it is `pending` or `scheduled`. Resolves to the updated message, or `undefined`.
   */
  updatePayload(
    id: string,
    source: string,
    payload: StoredPayload,
    now: Date,
  ): Promise<StoredMessage | undefined>;
  /** Deletes message `id` if `source` is its source and it is `pending` or `scheduled`: 1, else 0. */
  deleteOne(id: string, source: string): Promise<number>;
  /** Deletes every `pending` or `scheduled` message whose source is `source`; resolves to the count. */
  deleteMine(source: string): Promise<number>;
  /** Deletes every message of every node; resolves to the count. */
  wipe(): Promise<number>;
  /**
   * The nack extension: gives message `id` back to the queue if its destination is `destination`
   * and it is `processing` — `pending`, or `scheduled` at `dueAt` when that is later than `now` —
   * with its `tries` kept and at the back of its destination's queue. Resolves to the updated
   * message, or `undefined`. A store without it makes a server that does not offer nack.
   */
  nack?(id: string, destination: string, now: Date, dueAt?: Date): Promise<StoredMessage | undefined>;
  /**
   * The processing-timeout extension: gives every message `processing` since `before` or longer
   * back to the queue (`pending`, `tries` kept, at the back of its destination's queue). Resolves
   * to how many. Several servers on one store may call it at once: each message comes back once.
   */
  recoverStuck?(before: Date, now: Date): Promise<number>;
  /**
   * Retention: deletes every `processed` message processed at `before` or earlier, at most
   * `limit` of them in one call (the oldest first); resolves to how many.
   */
  deleteProcessed?(before: Date, limit: number): Promise<number>;
  /**
   * The bound on waiting messages (`maxWaitingPerNode`): how many messages wait for
   * `destination`, `pending` or `scheduled`. A store without it makes a server that refuses the
   * bound.
   */
  countWaiting?(destination: string): Promise<number>;
  /**
   * The summary extension and the server's metrics: every message counted by destination and
   * status, each group with the time its oldest message entered that status (see
   * {@link StatusGroup}). A store without it makes a server that offers no summary and reports no
   * message counts.
   */
  statusGroups?(): Promise<readonly StatusGroup[]>;
  /** Releases what the store holds (connections, files). Called once when the server closes. */
  close?(): Promise<void>;
}
