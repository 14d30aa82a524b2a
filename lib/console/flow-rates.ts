import type { QueueSummary } from '../protocol/queue-summary.js';

/** The flow between two summaries: messages pushed and acked per second, at the later one's time. */
export interface FlowRate {
  /** The later summary's time, in milliseconds since the epoch. */
  readonly at: number;
  readonly pushedPerSecond: number;
  readonly ackedPerSecond: number;
}

/**
 * The rates between two summaries of the same server; none when they are of different servers
 * or runs (a total went down: the server restarted) or at the same time.
 */
export function flowRate(previous: QueueSummary, current: QueueSummary): FlowRate | undefined {
  const seconds = (current.at.getTime() - previous.at.getTime()) / 1000;
  const pushed = current.totals.pushed - previous.totals.pushed;
  const acked = current.totals.acked - previous.totals.acked;
  if (seconds <= 0 || pushed < 0 || acked < 0) return undefined;
  return { at: current.at.getTime(), pushedPerSecond: pushed / seconds, ackedPerSecond: acked / seconds };
}

/** The last `most` rates, the newest last: `rates` with `rate` added. */
export function keepRates(rates: readonly FlowRate[], rate: FlowRate | undefined, most: number): FlowRate[] {
  const kept = rate ? [...rates, rate] : [...rates];
  return kept.slice(Math.max(0, kept.length - most));
}
