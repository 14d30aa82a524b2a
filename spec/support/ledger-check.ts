import { flowLedger, type LedgerCounts } from '../../lib/rx/flow-ledger.js';
import type { FlowEvent } from '../../lib/rx/flow-event.js';

const OUTCOMES = new Set(['acked', 'requeued', 'dead-lettered', 'handed-back', 'released', 'stranded']);

/** Outcomes after which the same message may be delivered again: it went back to the queue itself. */
const redeliverable = (event: FlowEvent): boolean =>
  event.type === 'released' ||
  event.type === 'stranded' ||
  ((event.type === 'requeued' || event.type === 'handed-back') && event.copy.id === event.message.id);

/**
 * A flow ledger that also checks, delivery by delivery, what the counts alone cannot show: no
 * message settled twice or without being claimed, none claimed again while in flight or after it
 * was settled for good (a message given back by nack, or left processing, may be claimed again),
 * never more in flight than `limit`. `violations` lists what went wrong; a spec expects it empty.
 */
export function checkedLedger(limit = Infinity) {
  const ledger = flowLedger();
  /** The last outcome of each message, and whether it may be delivered again. */
  const outcomes = new Map<string, { type: string; again: boolean }>();
  const inFlight = new Set<string>();
  const violations: string[] = [];
  return {
    record: (event: FlowEvent) => {
      ledger.record(event);
      if (event.type === 'pulled') {
        const { id } = event.message;
        const earlier = outcomes.get(id);
        if (inFlight.has(id)) violations.push(`${id}: pulled again while in flight`);
        else if (earlier && !earlier.again) violations.push(`${id}: pulled after ${earlier.type}`);
        inFlight.add(id);
        outcomes.delete(id);
      }
      if (OUTCOMES.has(event.type) && 'message' in event) {
        const { id } = event.message;
        const earlier = outcomes.get(id);
        if (earlier) violations.push(`${id}: ${event.type} after ${earlier.type}`);
        else if (!inFlight.has(id)) violations.push(`${id}: ${event.type} but never pulled`);
        inFlight.delete(id);
        outcomes.set(id, { type: event.type, again: redeliverable(event) });
      }
      const counts = ledger.counts();
      if (counts.inFlight < 0 || counts.inFlight > limit) {
        violations.push(`${counts.inFlight} in flight after ${event.type}`);
      }
    },
    counts: (): LedgerCounts => ledger.counts(),
    violations,
    /** The claimed messages that have no outcome yet. */
    unsettled: () => [...inFlight],
  };
}
