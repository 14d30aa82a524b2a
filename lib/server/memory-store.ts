import type { MessageStore, StoredMessage, StoredPayload } from './message-store.js';

function isWaiting(message: StoredMessage): boolean {
  return message.status === 'pending' || message.status === 'scheduled';
}

function isDue(message: StoredMessage, now: Date): boolean {
  return (
    message.status === 'pending' ||
    (message.status === 'scheduled' && (message.scheduledTime?.getTime() ?? 0) <= now.getTime())
  );
}

function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  let ids = index.get(key);
  if (!ids) index.set(key, (ids = new Set()));
  ids.add(id);
}

function removeFrom(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key);
  if (!ids) return;
  ids.delete(id);
  if (ids.size === 0) index.delete(key);
}

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
  const messages = new Map<string, StoredMessage>();
  /** Ids of `pending` and `scheduled` messages, by destination, oldest first. */
  const waiting = new Map<string, Set<string>>();
  /** Ids of every message, by source and by destination, oldest first. */
  const byNode = new Map<string, Set<string>>();

  const remove = (message: StoredMessage): void => {
    messages.delete(message.id);
    removeFrom(waiting, message.nodeDestination, message.id);
    removeFrom(byNode, message.nodeSource, message.id);
    removeFrom(byNode, message.nodeDestination, message.id);
  };

  const deleteWaiting = (candidates: Iterable<StoredMessage>, source: string): number => {
    let count = 0;
    for (const message of [...candidates]) {
      if (message.nodeSource === source && isWaiting(message)) {
        remove(message);
        count++;
      }
    }
    return count;
  };

  const store = {
    insert(message: StoredMessage) {
      messages.set(message.id, message);
      addTo(waiting, message.nodeDestination, message.id);
      addTo(byNode, message.nodeSource, message.id);
      addTo(byNode, message.nodeDestination, message.id);
      return Promise.resolve();
    },

    claimNextDue(destination: string, now: Date) {
      for (const id of waiting.get(destination) ?? []) {
        const message = messages.get(id);
        if (!message || !isDue(message, now)) continue;
        const claimed: StoredMessage = {
          ...message,
          status: 'processing',
          tries: message.tries + 1,
          processingTime: now,
          updateTime: now,
        };
        messages.set(id, claimed);
        removeFrom(waiting, destination, id);
        return Promise.resolve(claimed);
      }
      return Promise.resolve(undefined);
    },

    ack(id: string, destination: string, now: Date) {
      const message = messages.get(id);
      if (!message || message.nodeDestination !== destination || message.status !== 'processing') {
        return Promise.resolve(undefined);
      }
      const acked: StoredMessage = { ...message, status: 'processed', processedTime: now };
      messages.set(id, acked);
      return Promise.resolve(acked);
    },

    get(id: string, node: string) {
      const message = messages.get(id);
      const visible = message && (message.nodeSource === node || message.nodeDestination === node);
      return Promise.resolve(visible ? message : undefined);
    },

    list(node: string, limit: number) {
      const found: StoredMessage[] = [];
      for (const id of byNode.get(node) ?? []) {
        if (found.length >= limit) break;
        const message = messages.get(id);
        if (message) found.push(message);
      }
      return Promise.resolve(found);
    },

    updatePayload(id: string, source: string, payload: StoredPayload, now: Date) {
      const message = messages.get(id);
      if (!message || message.nodeSource !== source || !isWaiting(message)) return Promise.resolve(undefined);
      const updated: StoredMessage = { ...message, payload, updateTime: now };
      messages.set(id, updated);
      return Promise.resolve(updated);
    },

    deleteOne(id: string, source: string) {
      const message = messages.get(id);
      return Promise.resolve(message ? deleteWaiting([message], source) : 0);
    },

    deleteMine(source: string) {
      const mine = [...(byNode.get(source) ?? [])].flatMap((id) => messages.get(id) ?? []);
      return Promise.resolve(deleteWaiting(mine, source));
    },

    wipe() {
      const count = messages.size;
      messages.clear();
      waiting.clear();
      byNode.clear();
      return Promise.resolve(count);
    },
  } satisfies MessageStore;
  return store;
}
