import type { MessageStatus } from './message-status.js';

/**
 * How many messages of one destination are in one status, and since when the oldest of them is
 * (`createdTime` for `pending` and `scheduled`, `processingTime` for `processing`,
 * `processedTime` for `processed`): what a store counts for a {@link QueueSummary}.
 *
 * @example
 * ```ts
 * import type { StatusGroup } from 'scirocco-rx';
 *
 * const group: StatusGroup = { node: 'b2', status: 'pending', count: 3, oldest: new Date() };
 * ```
 */
export interface StatusGroup {
  /** The destination node. */
  readonly node: string;
  readonly status: MessageStatus;
  readonly count: number;
  readonly oldest?: Date | undefined;
}

/** How many messages of a node are in each status. */
export type StatusCounts = Readonly<Record<MessageStatus, number>>;

/**
 * What waits for one destination node, and for how long.
 *
 * @example
 * ```ts
 * import type { NodeSummary } from 'scirocco-rx';
 *
 * const node: NodeSummary = {
 *   node: 'b2',
 *   counts: { scheduled: 0, pending: 3, processing: 1, processed: 10 },
 *   oldestPendingAgeMs: 1_500,
 *   oldestProcessingAgeMs: 200,
 * };
 * ```
 */
export interface NodeSummary {
  /** The destination node. */
  readonly node: string;
  readonly counts: StatusCounts;
  /** How long ago the oldest `pending` message was pushed; absent when none is pending. */
  readonly oldestPendingAgeMs?: number;
  /** How long ago the oldest `processing` message was claimed; absent when none is processing. */
  readonly oldestProcessingAgeMs?: number;
}

/**
 * What the server counted since it started, over every node.
 *
 * @example
 * ```ts
 * import type { QueueTotals } from 'scirocco-rx';
 *
 * const totals: QueueTotals = { pushed: 10, claimed: 8, acked: 7, nacked: 1, recovered: 0 };
 * ```
 */
export interface QueueTotals {
  /** Messages pushed (a batch push counts each message stored). */
  readonly pushed: number;
  /** Messages claimed by pulls. */
  readonly claimed: number;
  readonly acked: number;
  /** Messages given back by nack. */
  readonly nacked: number;
  /** Messages given back by the processing timeout. */
  readonly recovered: number;
}

/**
 * The whole queue at a glance, as this package's server answers `GET /messageQueue/summary` (the
 * `summary` extension): each destination node's counts by status and the ages of its oldest
 * waiting and processing messages, the server's totals, and a version that grows with every
 * change the server makes, so that a client can wait for the next one (`?since=VERSION&wait=MS`).
 *
 * @example
 * ```ts
 * import { createClient } from 'scirocco-rx';
 *
 * const client = createClient({ url: 'http://localhost:8000', node: 'console', token: 'DEFAULT_TOKEN' });
 * const summary = await client.summary();
 * if (summary.isOk()) for (const node of summary.value.nodes) console.log(node.node, node.counts.pending);
 * ```
 */
export interface QueueSummary {
  /** Every destination node that has messages, by name. */
  readonly nodes: readonly NodeSummary[];
  readonly totals: QueueTotals;
  /** Grows with every change this server makes to the queue. */
  readonly version: number;
  /** When the server counted, by its clock. */
  readonly at: Date;
}

/** Counts of none of the statuses. */
const noCounts = (): Record<MessageStatus, number> => ({
  scheduled: 0,
  pending: 0,
  processing: 0,
  processed: 0,
});

/**
 * The node summaries of a store's status groups at `now`, by node name: what the server answers
 * and what its metrics show, written once.
 *
 * @example
 * ```ts
 * import { summarizeGroups } from 'scirocco-rx';
 *
 * const now = new Date();
 * const [b2] = summarizeGroups(
 *   [{ node: 'b2', status: 'pending', count: 2, oldest: new Date(now.getTime() - 1_000) }],
 *   now,
 * );
 * console.log(b2?.counts.pending, b2?.oldestPendingAgeMs); // 2 1000
 * ```
 */
export function summarizeGroups(groups: Iterable<StatusGroup>, now: Date): NodeSummary[] {
  const byNode = new Map<
    string,
    { counts: Record<MessageStatus, number>; ages: Partial<Record<MessageStatus, number>> }
  >();
  for (const group of groups) {
    let node = byNode.get(group.node);
    if (!node) byNode.set(group.node, (node = { counts: noCounts(), ages: {} }));
    node.counts[group.status] += group.count;
    if (group.oldest !== undefined && group.count > 0) {
      const age = Math.max(0, now.getTime() - group.oldest.getTime());
      node.ages[group.status] = Math.max(node.ages[group.status] ?? 0, age);
    }
  }
  return [...byNode.keys()].sort().map((name) => {
    const { counts, ages } = byNode.get(name) ?? { counts: noCounts(), ages: {} };
    return {
      node: name,
      counts,
      ...(ages.pending === undefined ? {} : { oldestPendingAgeMs: ages.pending }),
      ...(ages.processing === undefined ? {} : { oldestProcessingAgeMs: ages.processing }),
    };
  });
}
