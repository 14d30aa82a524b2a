import { MemoryMessages } from '../protocol/memory-messages.js';
import type { MessageStatus } from '../protocol/message-status.js';
import type { MessageStore, StoredMessage, StoredPayload } from './message-store.js';

/**
 * Creates the in-memory {@link MessageStore}, the server's default: nothing to install, nothing
 * kept after the process ends. Messages are kept in insertion order with an index of waiting
 * messages per destination, so a pull costs O(1) when the oldest waiting message is due, and a
 * list costs O(limit).
 *
 * @example
 * ```ts
 * import { createMemoryStore, startServer } from 'scirocco-rx/server';
 *
 * const server = await startServer({ store: createMemoryStore() });
 * console.log(server.url); // http://127.0.0.1:<a free port>
 * await server.close();
 * ```
 */
export function createMemoryStore(): MessageStore {
  const messages = new MemoryMessages();
  return {
    insert: (message: StoredMessage) => {
      messages.insert(message);
      return Promise.resolve();
    },
    claimNextDue: (destination: string, now: Date) =>
      Promise.resolve(messages.claimNextDue(destination, now)),
    claimDue: (destination: string, now: Date, max: number) =>
      Promise.resolve(messages.claimDue(destination, now, max)),
    nextDue: (destination: string, now: Date) => Promise.resolve(messages.nextDue(destination, now)),
    ack: (id: string, destination: string, now: Date) => Promise.resolve(messages.ack(id, destination, now)),
    nack: (id: string, destination: string, now: Date, dueAt?: Date) =>
      Promise.resolve(messages.nack(id, destination, now, dueAt)),
    recoverStuck: (before: Date, now: Date) => Promise.resolve(messages.recoverStuck(before, now)),
    deleteProcessed: (before: Date, limit: number) =>
      Promise.resolve(messages.deleteProcessed(before, limit)),
    countWaiting: (destination: string) => Promise.resolve(messages.countWaiting(destination)),
    get: (id: string, node: string) => Promise.resolve(messages.get(id, node)),
    list: (node: string, limit: number, status?: MessageStatus) =>
      Promise.resolve(messages.list(node, limit, status)),
    statusGroups: () => Promise.resolve(messages.statusGroups()),
    updatePayload: (id: string, source: string, payload: StoredPayload, now: Date) =>
      Promise.resolve(messages.updatePayload(id, source, payload, now)),
    deleteOne: (id: string, source: string) => Promise.resolve(messages.deleteOne(id, source)),
    deleteMine: (source: string) => Promise.resolve(messages.deleteMine(source)),
    wipe: () => Promise.resolve(messages.wipe()),
  };
}
