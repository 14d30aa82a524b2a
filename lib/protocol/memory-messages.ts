import { IdQueue } from './id-queue.js';
import { queueRules as rules } from './queue-rules.js';
import type { MessageStatus } from './message-status.js';
import type { StatusGroup } from './queue-summary.js';
import type { StoredMessage, StoredPayload } from './stored-message.js';

/**
 * Messages in memory, with the queue's rules, synchronous: the core of the server's memory store
 * and of the memory queue of `scirocco-rx/testing`. Messages are kept in insertion order with an
 * index of waiting messages per destination and one of every message per node, so a claim costs
 * O(1) when the oldest waiting message is due, and a list O(limit). Each operation is one
 * synchronous step, so none can interleave with another.
 */
export class MemoryMessages {
  readonly #messages = new Map<string, StoredMessage>();
  /** Ids of waiting messages, by destination, oldest first. */
  readonly #waiting = new Map<string, IdQueue>();
  /** Ids of every message, by source and by destination, oldest first. */
  readonly #byNode = new Map<string, IdQueue>();
  readonly #isWaitingId = (id: string) => {
    const message = this.#messages.get(id);
    return message !== undefined && rules.isWaiting(message);
  };
  readonly #isKept = (id: string) => this.#messages.has(id);
  /** How many messages wait (`pending`, `scheduled`) for each destination: exact, kept as they change. */
  readonly #waitingCount = new Map<string, number>();

  #countWaiting(destination: string, change: number): void {
    const count = (this.#waitingCount.get(destination) ?? 0) + change;
    if (count > 0) this.#waitingCount.set(destination, count);
    else this.#waitingCount.delete(destination);
  }

  /** How many messages wait for `destination` (`pending` or `scheduled`), in O(1). */
  countWaiting(destination: string): number {
    return this.#waitingCount.get(destination) ?? 0;
  }

  #queueOf(index: Map<string, IdQueue>, key: string, belongs: (id: string) => boolean): IdQueue {
    let queue = index.get(key);
    if (!queue) index.set(key, (queue = new IdQueue(belongs)));
    return queue;
  }

  /** Drops the queue of `key` once nothing is left in it. */
  #tidy(index: Map<string, IdQueue>, key: string): void {
    if (index.get(key)?.drained) index.delete(key);
  }

  /** How many messages are kept. */
  get size(): number {
    return this.#messages.size;
  }

  insert(message: StoredMessage): void {
    this.#messages.set(message.id, message);
    if (rules.isWaiting(message)) this.#countWaiting(message.nodeDestination, 1);
    this.#queueOf(this.#waiting, message.nodeDestination, this.#isWaitingId).add(message.id);
    this.#queueOf(this.#byNode, message.nodeSource, this.#isKept).add(message.id);
    if (message.nodeDestination !== message.nodeSource) {
      this.#queueOf(this.#byNode, message.nodeDestination, this.#isKept).add(message.id);
    }
  }

  claimNextDue(destination: string, now: Date): StoredMessage | undefined {
    return this.claimDue(destination, now, 1)[0];
  }

  /** Claims the `max` oldest due messages of `destination` (fewer when fewer are due), oldest first. */
  claimDue(destination: string, now: Date, max: number): StoredMessage[] {
    const claimed: StoredMessage[] = [];
    if (max < 1) return claimed;
    this.#waiting.get(destination)?.scan((id) => {
      const message = this.#messages.get(id);
      if (!message || !rules.isDue(message, now)) return true;
      const one = rules.claimed(message, now);
      claimed.push(one);
      this.#messages.set(id, one);
      this.#countWaiting(destination, -1);
      return claimed.length < max;
    });
    this.#tidy(this.#waiting, destination);
    return claimed;
  }

  /**
   * When the next waiting message of `destination` is due: `now` when one is due already, the
   * earliest `scheduledTime` otherwise, `undefined` when none waits.
   */
  nextDue(destination: string, now: Date): Date | undefined {
    let next: number | undefined;
    this.#waiting.get(destination)?.scan((id) => {
      const message = this.#messages.get(id);
      if (!message) return true;
      const at = rules.isDue(message, now) ? now.getTime() : (message.scheduledTime?.getTime() ?? 0);
      if (next === undefined || at < next) next = at;
      return next > now.getTime();
    });
    return next === undefined ? undefined : new Date(next);
  }

  ack(id: string, destination: string, now: Date): StoredMessage | undefined {
    const message = this.#messages.get(id);
    if (!message || !rules.canAck(message, destination)) return undefined;
    const acked = rules.acked(message, now);
    this.#messages.set(id, acked);
    return acked;
  }

  nack(id: string, destination: string, now: Date, dueAt?: Date): StoredMessage | undefined {
    const message = this.#messages.get(id);
    if (!message || !rules.canAck(message, destination)) return undefined;
    return this.#requeue(rules.nacked(message, now, dueAt));
  }

  recoverStuck(before: Date, now: Date): number {
    let count = 0;
    for (const message of [...this.#messages.values()]) {
      if (!rules.isStuck(message, before)) continue;
      this.#requeue(rules.nacked(message, now));
      count++;
    }
    return count;
  }

  deleteProcessed(before: Date, limit: number): number {
    let count = 0;
    for (const message of [...this.#messages.values()]) {
      if (count >= limit) break;
      if (!rules.isExpired(message, before)) continue;
      this.#messages.delete(message.id);
      count++;
    }
    return count;
  }

  /** Puts a message that is waiting again at the back of its destination's queue. */
  #requeue(message: StoredMessage): StoredMessage {
    this.#messages.set(message.id, message);
    this.#countWaiting(message.nodeDestination, 1);
    this.#queueOf(this.#waiting, message.nodeDestination, this.#isWaitingId).add(message.id);
    return message;
  }

  get(id: string, node: string): StoredMessage | undefined {
    const message = this.#messages.get(id);
    return message && rules.isVisibleTo(message, node) ? message : undefined;
  }

  /** At most `limit` messages of `node` (its source or destination), only of `status` when given. */
  list(node: string, limit: number, status?: MessageStatus): StoredMessage[] {
    const found: StoredMessage[] = [];
    this.#byNode.get(node)?.scan((id) => {
      if (found.length >= limit) return false;
      const message = this.#messages.get(id);
      if (message && (status === undefined || message.status === status)) found.push(message);
      return found.length < limit;
    });
    this.#tidy(this.#byNode, node);
    return found;
  }

  updatePayload(id: string, source: string, payload: StoredPayload, now: Date): StoredMessage | undefined {
    const message = this.#messages.get(id);
    if (!message || !rules.canChange(message, source)) return undefined;
    const updated = rules.updated(message, payload, now);
    this.#messages.set(id, updated);
    return updated;
  }

  deleteOne(id: string, source: string): number {
    const message = this.#messages.get(id);
    return message ? this.#deleteWaiting([message], source) : 0;
  }

  deleteMine(source: string): number {
    const mine = (this.#byNode.get(source)?.live() ?? []).flatMap((id) => this.#messages.get(id) ?? []);
    const count = this.#deleteWaiting(mine, source);
    this.#byNode.get(source)?.live(); // drops the deleted ids now rather than on the next scan
    this.#tidy(this.#byNode, source);
    return count;
  }

  wipe(): number {
    const count = this.#messages.size;
    this.#messages.clear();
    this.#waiting.clear();
    this.#byNode.clear();
    this.#waitingCount.clear();
    return count;
  }

  /** The messages counted by destination and status, each group with its oldest time. */
  statusGroups(): StatusGroup[] {
    type Group = { node: string; status: MessageStatus; count: number; oldest?: Date };
    // A map per status, keyed by destination: no key to build per message.
    const groups: Record<MessageStatus, Map<string, Group>> = {
      scheduled: new Map(),
      pending: new Map(),
      processing: new Map(),
      processed: new Map(),
    };
    for (const message of this.#messages.values()) {
      const byNode = groups[message.status];
      let group = byNode.get(message.nodeDestination);
      if (!group) {
        group = { node: message.nodeDestination, status: message.status, count: 0 };
        byNode.set(message.nodeDestination, group);
      }
      group.count++;
      const since = rules.since(message);
      if (since && (group.oldest === undefined || since.getTime() < group.oldest.getTime()))
        group.oldest = since;
    }
    return Object.values(groups).flatMap((byNode) => [...byNode.values()]);
  }

  /** Every message, oldest first. */
  all(): StoredMessage[] {
    return [...this.#messages.values()];
  }

  #deleteWaiting(candidates: Iterable<StoredMessage>, source: string): number {
    let count = 0;
    for (const message of [...candidates]) {
      if (rules.canChange(message, source)) {
        this.#messages.delete(message.id);
        this.#countWaiting(message.nodeDestination, -1);
        count++;
      }
    }
    return count;
  }
}
