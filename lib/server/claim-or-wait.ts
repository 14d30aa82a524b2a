import type { ServerResponse } from 'node:http';
import type { DueWaiter, DueWaiters } from './due-waiters.js';
import type { MessageStore, StoredMessage } from './message-store.js';

/** What {@link claimOrWait} needs. */
export interface ClaimOrWait {
  readonly store: MessageStore;
  readonly waiters: DueWaiters;
  /** The server's clock, in milliseconds. */
  readonly clock: () => number;
  /** Claims up to the pull's number of messages at `now`. */
  readonly claim: (now: Date) => Promise<readonly StoredMessage[]>;
  readonly destination: string;
  /** How long the pull may wait, in milliseconds; 0 claims once. */
  readonly waitMs: number;
  /** The pull's answer: when its connection closes first, the client is gone. */
  readonly res: ServerResponse;
  /** The least wait before a store's "due now" that the claim missed is looked at again. */
  readonly recheckMs: number;
  /**
   * Ends the wait when it aborts (the client asked, `DELETE /messageQueue/wait/ID`): a claim
   * under way finishes and is answered, as a pull whose time is up.
   */
  readonly end?: AbortSignal | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

/**
 * A pull that may wait (long polling): it claims; when nothing is due, it waits until a message
 * of its destination may be due — a push or a nack here (the waiters are told), another server's
 * (the store's `watchDue`), a scheduled one reaching its time (the store's `nextDue`) — and
 * claims again, until it has messages or its time is up. The waiter is added before each claim,
 * so that a push during the claim is never missed. A client that goes away ends the wait; a
 * message claimed for it anyway is given back (nacked), never left `processing`. A client that
 * ends the wait (`end`) gets its answer at once: what a claim under way brought, or nothing.
 */
export async function claimOrWait(options: ClaimOrWait): Promise<readonly StoredMessage[]> {
  const { store, waiters, clock, claim, destination, waitMs, res, end } = options;
  if (waitMs <= 0 || end?.aborted) return claim(new Date(clock()));
  const deadline = performance.now() + waitMs;
  let waiter: DueWaiter | undefined;
  // An object, not a `let`: the close handler changes it while the loop awaits.
  const client = { gone: false };
  const onClose = () => {
    client.gone = true;
    waiter?.cancel();
  };
  const onEnd = () => {
    waiter?.cancel();
  };
  res.once('close', onClose);
  end?.addEventListener('abort', onEnd, { once: true });
  try {
    for (;;) {
      const left = deadline - performance.now();
      const waits = left >= 1 && !client.gone && end?.aborted !== true;
      waiter = waits ? waiters.add(destination, left) : undefined;
      const now = new Date(clock());
      const claimed = await claim(now);
      if (client.gone || res.destroyed) return await handBack(options, claimed, now);
      if (claimed.length > 0 || !waiter) {
        waiter?.cancel();
        return claimed;
      }
      if (!waiter.done) {
        const next = await store.nextDue?.(destination, now);
        if (next) waiter.dueIn(Math.max(next.getTime() - clock(), options.recheckMs));
      }
      // A client gone, or an end asked, cancels the wait: it ends as `timeout`.
      if ((await waiter.ended) !== 'due') return [];
    }
  } finally {
    res.off('close', onClose);
    end?.removeEventListener('abort', onEnd);
  }
}

/** Gives back what was claimed for a client that is gone, where the store can. */
async function handBack(
  options: ClaimOrWait,
  claimed: readonly StoredMessage[],
  now: Date,
): Promise<readonly StoredMessage[]> {
  const nack = options.store.nack?.bind(options.store);
  if (claimed.length === 0) return claimed;
  if (!nack) {
    options.log?.(`long poll: the client is gone; ${String(claimed.length)} message(s) left processing`);
    return claimed;
  }
  await Promise.all(claimed.map((message) => nack(message.id, options.destination, now)));
  options.waiters.notify(options.destination, claimed.length);
  options.log?.(`long poll: the client is gone; ${String(claimed.length)} message(s) given back`);
  return [];
}
