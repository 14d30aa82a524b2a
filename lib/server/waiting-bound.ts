/** What a {@link waitingBound} needs. */
export interface WaitingBoundOptions {
  /** The most messages that may wait for one node. */
  readonly max: number;
  /** Counts the messages waiting for a destination (the store's `countWaiting`). */
  readonly count: (destination: string) => Promise<number>;
  /** The server's clock, in milliseconds. */
  readonly clock: () => number;
  /** How long a count is trusted before the store is asked again. @default 1000 */
  readonly refreshMs?: number;
}

interface Tally {
  /** The store's count when it was taken, plus the pushes admitted since. */
  waiting: number;
  /** When the store was counted. */
  readonly at: number;
}

/** How long a full node is answered from its last count before the store is counted again. */
const FULL_RECOUNT_MS = 50;
/** Past this many destinations, tallies of nodes not pushed to lately are forgotten. */
const MAX_TALLIES = 10_000;

/**
 * The bound on the messages waiting for a node: `admit(destination)` says whether one more
 * push to it may be stored. It counts from the store at most every `refreshMs` per destination
 * and adds the pushes it admits in between, an upper bound; pushes that find the count stale wait
 * for one count together, and a count adds the inserts admitted and not yet `done`, which it may
 * not see. So one server never lets a node past `max`. A node at the bound is counted again, at
 * most every 50 ms, until claims free room. Servers that share a store each see the others'
 * pushes at their next count: together they may pass `max` by the pushes of one `refreshMs`.
 *
 * @example
 * ```ts
 * const bound = waitingBound({ max: 10_000, count: (node) => store.countWaiting(node), clock: Date.now });
 * if (!(await bound.admit('bb'))) return errorReply(507, '...');
 * try {
 *   await store.insert(message);
 * } finally {
 *   bound.done('bb');
 * }
 * ```
 */
export function waitingBound(options: WaitingBoundOptions) {
  const { max, count, clock } = options;
  const refreshMs = options.refreshMs ?? 1_000;
  const tallies = new Map<string, Tally>();
  /** Inserts admitted and not done, per destination: a count may not see them yet. */
  const inserting = new Map<string, number>();
  /** Counts in flight, shared by the pushes to the same destination that wait for one. */
  const counting = new Map<string, Promise<Tally>>();

  const forgetStale = (now: number) => {
    for (const [destination, tally] of tallies) {
      if (now - tally.at >= refreshMs && !counting.has(destination)) tallies.delete(destination);
    }
  };

  const recount = (destination: string): Promise<Tally> => {
    let pending = counting.get(destination);
    if (!pending) {
      const at = clock();
      const unseen = inserting.get(destination) ?? 0;
      pending = count(destination)
        .then((counted) => {
          const tally = { waiting: counted + unseen, at };
          if (tallies.size >= MAX_TALLIES) forgetStale(at);
          tallies.set(destination, tally);
          return tally;
        })
        .finally(() => counting.delete(destination));
      counting.set(destination, pending);
    }
    return pending;
  };

  return {
    max,
    /** Whether one more message may wait for `destination`; counted as admitted when it may. */
    async admit(destination: string): Promise<boolean> {
      const now = clock();
      let tally = tallies.get(destination);
      const stale =
        !tally || now - tally.at >= refreshMs || (tally.waiting >= max && now - tally.at >= FULL_RECOUNT_MS);
      if (stale) tally = await recount(destination);
      if (!tally || tally.waiting >= max) return false;
      tally.waiting++;
      inserting.set(destination, (inserting.get(destination) ?? 0) + 1);
      return true;
    },
    /** The insert of a push `admit` let through has ended, stored or failed. */
    done(destination: string): void {
      const left = (inserting.get(destination) ?? 0) - 1;
      if (left > 0) inserting.set(destination, left);
      else inserting.delete(destination);
    },
  };
}
