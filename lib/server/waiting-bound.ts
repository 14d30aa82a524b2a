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
 * for one count together. So one server keeps a node at `max` at most (but for a push whose insert
 * takes longer than `refreshMs`). A node at the bound is counted again, at most every 50 ms, until
 * claims free room. Servers that share a store each see the others' pushes at their next count:
 * together they may pass `max` by the pushes of one `refreshMs`. A push admitted whose insert then
 * fails is counted until the next count.
 *
 * @example
 * ```ts
 * const bound = waitingBound({ max: 10_000, count: (node) => store.countWaiting(node), clock: Date.now });
 * if (!(await bound.admit('bb'))) return errorReply(507, '...');
 * ```
 */
export function waitingBound(options: WaitingBoundOptions) {
  const { max, count, clock } = options;
  const refreshMs = options.refreshMs ?? 1_000;
  const tallies = new Map<string, Tally>();
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
      pending = count(destination)
        .then((counted) => {
          const tally = { waiting: counted, at };
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
      return true;
    },
  };
}
