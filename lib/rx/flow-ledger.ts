import type { FlowEvent } from './flow-event.js';

/** The counts of a {@link FlowLedger}: every claimed message is in flight or settled once. */
export interface LedgerCounts {
  /** Messages claimed from the server (`pulled`). */
  readonly claimed: number;
  /** Claimed and not settled yet: `claimed - settled`. */
  readonly inFlight: number;
  /** Claimed messages with an outcome: the sum of the six below. */
  readonly settled: number;
  readonly acked: number;
  readonly requeued: number;
  readonly deadLettered: number;
  /** Pushed back unhandled, at a shutdown or when a handler was stopped (`handed-back`). */
  readonly handedBack: number;
  /** Left `processing` on purpose (`release()`, the `leave` policy). */
  readonly released: number;
  /** Left `processing` and handed to no one, with a reason (`stranded` events). */
  readonly stranded: number;
  /** Pulls whose answer was lost (timeouts, cut connections): each may have claimed a message the ledger cannot see. */
  readonly possiblyStranded: number;
}

/**
 * Counts a flow's messages from its events, so that `claimed = settled + inFlight` can be watched
 * and asserted.
 *
 * @example
 * ```ts
 * import { flowLedger } from 'scirocco-rx';
 *
 * const ledger = flowLedger();
 * ledger.record({ type: 'pulled', node: 'af123', message: { id: 'x' } as never });
 * ledger.counts().inFlight; // 1
 * ```
 */
export interface FlowLedger {
  /** The event handler to give a flow (`onEvent`), or to subscribe to `client.events$`. */
  readonly record: (event: FlowEvent) => void;
  /** The counts so far. */
  counts(): LedgerCounts;
}

const OUTCOMES = {
  acked: 'acked',
  requeued: 'requeued',
  'dead-lettered': 'deadLettered',
  'handed-back': 'handedBack',
  released: 'released',
  stranded: 'stranded',
} as const;

type Outcome = (typeof OUTCOMES)[keyof typeof OUTCOMES];

/**
 * Creates a ledger of a flow's messages: every message a consumer claims ends in exactly one
 * outcome — `acked`, `requeued`, `dead-lettered`, `handed-back`, `released` (left `processing` on
 * purpose) or `stranded` (left `processing`, with a reason) — reported as an event,
 * and the ledger counts them, so that `claimed = settled + inFlight` always holds and, once a flow
 * has ended, `inFlight` is 0. Pulls whose answer was lost (a timeout, a connection cut) are
 * counted apart (`possiblyStranded`): the server
 * may have claimed a message for each, which no event can show.
 *
 * ```
 * events:  pulled pulled acked pulled requeued released
 * ledger:  claimed 3 = settled 3 (acked 1, requeued 1, released 1) + inFlight 0
 * ```
 *
 * @returns a ledger: give `record` to a flow's `onEvent` (or `client.events$`), read `counts()`.
 *
 * @example
 * ```ts
 * import { createClient, flowLedger } from 'scirocco-rx';
 *
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * const ledger = flowLedger();
 * client.consume(() => 'done', { concurrency: 4, onEvent: ledger.record }).subscribe();
 * setInterval(() => console.log(ledger.counts()), 10_000).unref();
 * ```
 */
export function flowLedger(): FlowLedger {
  let claimed = 0;
  let possiblyStranded = 0;
  const outcomes: Record<Outcome, number> = {
    acked: 0,
    requeued: 0,
    deadLettered: 0,
    handedBack: 0,
    released: 0,
    stranded: 0,
  };
  return {
    record: (event) => {
      if (event.type === 'pulled') claimed++;
      else if (event.type === 'possibly-stranded') possiblyStranded++;
      else if (Object.hasOwn(OUTCOMES, event.type)) outcomes[OUTCOMES[event.type as keyof typeof OUTCOMES]]++;
    },
    counts: () => {
      const settled = Object.values(outcomes).reduce((sum, count) => sum + count, 0);
      return Object.freeze({ claimed, inFlight: claimed - settled, settled, ...outcomes, possiblyStranded });
    },
  };
}
