import { flowLedger, type LedgerCounts } from '../../lib/rx/flow-ledger.js';
import type { FlowEvent } from '../../lib/rx/flow-event.js';

const OUTCOMES = new Set(['acked', 'requeued', 'dead-lettered', 'handed-back', 'released', 'stranded']);

/**
 * A flow ledger that also checks, event by event, what the counts alone cannot show: no message
 * settled twice or without being claimed, never more in flight than `limit`. `violations` lists
 * what went wrong; a spec expects it empty.
 */
export function checkedLedger(limit = Infinity) {
  const ledger = flowLedger();
  const outcomes = new Map<string, string>();
  const claimed = new Set<string>();
  const violations: string[] = [];
  return {
    record: (event: FlowEvent) => {
      ledger.record(event);
      if (event.type === 'pulled') claimed.add(event.message.id);
      if (OUTCOMES.has(event.type) && 'message' in event) {
        const { id } = event.message;
        const earlier = outcomes.get(id);
        if (earlier) violations.push(`${id}: ${event.type} after ${earlier}`);
        if (!claimed.has(id)) violations.push(`${id}: ${event.type} but never pulled`);
        outcomes.set(id, event.type);
      }
      const { inFlight } = ledger.counts();
      if (inFlight < 0 || inFlight > limit) violations.push(`${inFlight} in flight after ${event.type}`);
    },
    counts: (): LedgerCounts => ledger.counts(),
    violations,
    /** The claimed messages that have no outcome yet. */
    unsettled: () => [...claimed].filter((id) => !outcomes.has(id)),
  };
}
