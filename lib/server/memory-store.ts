import { IdQueue } from './id-queue.js';
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
  const waiting = new Map<string, IdQueue>();
  /** Ids of every message, by source and by destination, oldest first. */
  const byNode = new Map<string, IdQueue>();
  const isWaitingId = (id: string) => {
    const message = messages.get(id);
    return message !== undefined && isWaiting(message);
  };
  const isKept = (id: string) => messages.has(id);

  const queueOf = (index: Map<string, IdQueue>, key: string, belongs: (id: string) => boolean) => {
    let queue = index.get(key);
    if (!queue) index.set(key, (queue = new IdQueue(belongs)));
    return queue;
  };
  /** Drops the queue of `key` once nothing is left in it. */
  const tidy = (index: Map<string, IdQueue>, key: string) => {
    if (index.get(key)?.drained) index.delete(key);
  };

  const deleteWaiting = (candidates: Iterable<StoredMessage>, source: string): number => {
    let count = 0;
    for (const message of [...candidates]) {
      if (message.nodeSource === source && isWaiting(message)) {
        messages.delete(message.id);
        count++;
      }
    }
    return count;
  };

  const store = {
    insert(message: StoredMessage) {
      messages.set(message.id, message);
      queueOf(waiting, message.nodeDestination, isWaitingId).add(message.id);
      queueOf(byNode, message.nodeSource, isKept).add(message.id);
      if (message.nodeDestination !== message.nodeSource) {
        queueOf(byNode, message.nodeDestination, isKept).add(message.id);
      }
      return Promise.resolve();
    },

    claimNextDue(destination: string, now: Date) {
      const queue = waiting.get(destination);
      let claimed: StoredMessage | undefined;
      queue?.scan((id) => {
        const message = messages.get(id);
        if (!message || !isDue(message, now)) return true;
        claimed = {
          ...message,
          status: 'processing',
          tries: message.tries + 1,
          processingTime: now,
          updateTime: now,
        };
        messages.set(id, claimed);
        return false;
      });
      tidy(waiting, destination);
      return Promise.resolve(claimed);
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
      byNode.get(node)?.scan((id) => {
        if (found.length >= limit) return false;
        const message = messages.get(id);
        if (message) found.push(message);
        return found.length < limit;
      });
      tidy(byNode, node);
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
      const mine = (byNode.get(source)?.live() ?? []).flatMap((id) => messages.get(id) ?? []);
      const count = deleteWaiting(mine, source);
      byNode.get(source)?.live(); // drops the deleted ids now rather than on the next scan
      tidy(byNode, source);
      return Promise.resolve(count);
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
