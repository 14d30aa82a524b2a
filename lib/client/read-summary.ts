import { Err, Ok, type Result } from 'ts-results-es';
import { MESSAGE_STATUSES } from '../protocol/message-status.js';
import type { NodeSummary, QueueSummary, QueueTotals, StatusCounts } from '../protocol/queue-summary.js';
import { describeValue } from '../protocol/validation.js';
import { readJson } from './read-answer.js';
import type { TransportResponse } from './transport.js';

const count = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A node of a summary answer, or why it is not one. */
function readNode(item: unknown): Result<NodeSummary, string> {
  if (!isObject(item) || typeof item.node !== 'string' || !isObject(item.counts)) {
    return Err(`a node of the summary is ${describeValue(item)}`);
  }
  const counts: Partial<Record<string, number>> = {};
  for (const status of MESSAGE_STATUSES) {
    const value = item.counts[status];
    if (!count(value)) return Err(`the ${status} count of node ${item.node} is ${describeValue(value)}`);
    counts[status] = value;
  }
  const ages: { oldestPendingAgeMs?: number; oldestProcessingAgeMs?: number } = {};
  for (const key of ['oldestPendingAgeMs', 'oldestProcessingAgeMs'] as const) {
    const value = item[key];
    if (value === undefined) continue;
    if (!count(value)) return Err(`the ${key} of node ${item.node} is ${describeValue(value)}`);
    ages[key] = value;
  }
  return Ok({ node: item.node, counts: counts as StatusCounts, ...ages });
}

/** The answer of `GET /messageQueue/summary`, checked field by field. */
export function readSummary(response: TransportResponse): Result<QueueSummary, string> {
  return readJson(response).andThen((value) => {
    if (!isObject(value) || !Array.isArray(value.nodes) || !isObject(value.totals)) {
      return Err(`the summary answer is ${describeValue(value)}, not a summary`);
    }
    const nodes: NodeSummary[] = [];
    for (const item of value.nodes) {
      const node = readNode(item);
      if (node.isErr()) return node;
      nodes.push(node.value);
    }
    const totals: Partial<Record<keyof QueueTotals, number>> = {};
    for (const key of ['pushed', 'claimed', 'acked', 'nacked', 'recovered'] as const) {
      const total = value.totals[key];
      if (!count(total)) return Err(`the ${key} total of the summary is ${describeValue(total)}`);
      totals[key] = total;
    }
    const at = typeof value.at === 'string' ? new Date(value.at) : new Date(NaN);
    if (!count(value.version) || Number.isNaN(at.getTime())) {
      return Err(
        `the summary's version or time is missing: ${describeValue(value.version)}, ${describeValue(value.at)}`,
      );
    }
    return Ok({ nodes, totals: totals as QueueTotals, version: value.version, at });
  });
}
