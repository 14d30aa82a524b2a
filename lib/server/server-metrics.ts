import {
  summarizeGroups,
  type NodeSummary,
  type QueueTotals,
  type StatusGroup,
} from '../protocol/queue-summary.js';
import type { Reply } from './reply.js';
import { MESSAGE_STATUSES } from '../protocol/message-status.js';

/**
 * The bounds of the request duration histogram, in seconds: from half a millisecond (a pull of
 * the memory store) to 30 s (a long poll waits up to 20 s by default).
 *
 * @example
 * ```ts
 * import { DURATION_BUCKETS_SECONDS } from 'scirocco-rx/server';
 *
 * console.log(DURATION_BUCKETS_SECONDS.at(-1)); // 30
 * ```
 */
export const DURATION_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
]);

/**
 * The counters a server keeps per destination node (`scirocco_messages_<counter>_total`).
 *
 * @example
 * ```ts
 * import type { NodeCounter } from 'scirocco-rx/server';
 *
 * const counter: NodeCounter = 'acked';
 * ```
 */
export type NodeCounter = 'pushed' | 'claimed' | 'acked' | 'nacked';

/**
 * What a server counts as it answers: requests by operation and answer status with their
 * durations, the messages pushed, claimed, acked and nacked per node, the messages the
 * processing timeout gave back, and the store's failures. Cheap enough to keep always; shown by
 * `GET /metrics` when the server is told to, and in the totals of the summary extension.
 */
export interface ServerMetrics {
  /** One answered request: its operation (`push`, `pull`, …), HTTP status and duration. */
  request(operation: string, status: number, seconds: number): void;
  /** `count` messages of destination `node` were pushed, claimed, acked or nacked. */
  count(counter: NodeCounter, node: string, count?: number): void;
  /** The processing timeout gave `count` messages back. */
  recovered(count: number): void;
  /** The store failed (a request answered 500, a sweep that failed). */
  storeError(): void;
  /** The totals over every node since the server started. */
  totals(): QueueTotals;
  /**
   * The Prometheus text exposition (version 0.0.4) of the counters and of `nodes`, the store's
   * summary (absent when the store cannot count its messages).
   */
  exposition(nodes: readonly NodeSummary[] | undefined): string;
}

/** What a server counts of one operation: its answers by status, and their durations. */
interface Histogram {
  readonly codes: Map<number, number>;
  readonly buckets: number[];
  sum: number;
  count: number;
}

/** A number as the exposition format writes it. */
const number = (value: number): string =>
  Number.isFinite(value) ? String(value) : value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';

/** A label value, escaped as the format wants (`\`, `"` and line feeds). */
const label = (value: string): string =>
  value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');

/** Writes one metric family: its help, its type and its samples. */
function family(lines: string[], name: string, type: string, help: string, samples: readonly string[]): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
}

/**
 * Creates the counters of one server.
 *
 * @example
 * ```ts
 * import { createServerMetrics } from 'scirocco-rx/server';
 *
 * const metrics = createServerMetrics();
 * metrics.count('pushed', 'b2');
 * metrics.request('push', 201, 0.0004);
 * console.log(metrics.exposition(undefined).includes('scirocco_messages_pushed_total{node="b2"} 1')); // true
 * ```
 */
export function createServerMetrics(): ServerMetrics {
  const durations = new Map<string, Histogram>();
  const perNode: Record<NodeCounter, Map<string, number>> = {
    pushed: new Map(),
    claimed: new Map(),
    acked: new Map(),
    nacked: new Map(),
  };
  const sums: Record<NodeCounter, number> = { pushed: 0, claimed: 0, acked: 0, nacked: 0 };
  let recovered = 0;
  let storeErrors = 0;

  const counterSamples = (name: string, counts: Map<string, number>, labelName: string) =>
    [...counts.keys()]
      .sort()
      .map((key) => `${name}{${labelName}="${label(key)}"} ${number(counts.get(key) ?? 0)}`);

  return {
    request(operation, status, seconds) {
      // Per request: two lookups, no key to build.
      let histogram = durations.get(operation);
      if (!histogram) {
        histogram = { codes: new Map(), buckets: DURATION_BUCKETS_SECONDS.map(() => 0), sum: 0, count: 0 };
        durations.set(operation, histogram);
      }
      histogram.codes.set(status, (histogram.codes.get(status) ?? 0) + 1);
      let at = 0;
      while (at < DURATION_BUCKETS_SECONDS.length && seconds > (DURATION_BUCKETS_SECONDS[at] ?? 0)) at++;
      if (at < DURATION_BUCKETS_SECONDS.length) histogram.buckets[at] = (histogram.buckets[at] ?? 0) + 1;
      histogram.sum += seconds;
      histogram.count++;
    },
    count(counter, node, count = 1) {
      if (count <= 0) return;
      const counts = perNode[counter];
      counts.set(node, (counts.get(node) ?? 0) + count);
      sums[counter] += count;
    },
    recovered(count) {
      recovered += count;
    },
    storeError() {
      storeErrors++;
    },
    totals: () => ({ ...sums, recovered }),
    exposition(nodes) {
      const lines: string[] = [];
      if (nodes) {
        family(
          lines,
          'scirocco_messages',
          'gauge',
          'Messages kept, by destination node and status.',
          nodes.flatMap((node) =>
            MESSAGE_STATUSES.map(
              (status) =>
                `scirocco_messages{node="${label(node.node)}",status="${status}"} ${number(node.counts[status])}`,
            ),
          ),
        );
        const ages = (key: 'oldestPendingAgeMs' | 'oldestProcessingAgeMs') =>
          nodes.map((node) => `{node="${label(node.node)}"} ${number((node[key] ?? 0) / 1000)}`);
        family(
          lines,
          'scirocco_oldest_pending_age_seconds',
          'gauge',
          'Age of the oldest pending message of a destination node (0: none is pending).',
          ages('oldestPendingAgeMs').map((sample) => `scirocco_oldest_pending_age_seconds${sample}`),
        );
        family(
          lines,
          'scirocco_oldest_processing_age_seconds',
          'gauge',
          'Time since the oldest processing message of a destination node was claimed (0: none is).',
          ages('oldestProcessingAgeMs').map((sample) => `scirocco_oldest_processing_age_seconds${sample}`),
        );
      }
      family(
        lines,
        'scirocco_http_requests_total',
        'counter',
        'Requests answered, by operation and HTTP status code.',
        [...durations.keys()].sort().flatMap((operation) => {
          const { codes } = durations.get(operation) as Histogram;
          return [...codes.keys()]
            .sort((a, b) => a - b)
            .map(
              (code) =>
                `scirocco_http_requests_total{operation="${label(operation)}",code="${String(code)}"} ${number(codes.get(code) ?? 0)}`,
            );
        }),
      );
      family(
        lines,
        'scirocco_http_request_duration_seconds',
        'histogram',
        'Time from a request to its answer, by operation (a long poll counts its wait).',
        [...durations.keys()].sort().flatMap((operation) => {
          const histogram = durations.get(operation) as Histogram;
          const op = `operation="${label(operation)}"`;
          let cumulative = 0;
          return [
            ...DURATION_BUCKETS_SECONDS.map((bound, at) => {
              cumulative += histogram.buckets[at] ?? 0;
              return `scirocco_http_request_duration_seconds_bucket{${op},le="${number(bound)}"} ${number(cumulative)}`;
            }),
            `scirocco_http_request_duration_seconds_bucket{${op},le="+Inf"} ${number(histogram.count)}`,
            `scirocco_http_request_duration_seconds_sum{${op}} ${number(histogram.sum)}`,
            `scirocco_http_request_duration_seconds_count{${op}} ${number(histogram.count)}`,
          ];
        }),
      );
      const helps: Record<NodeCounter, string> = {
        pushed: 'Messages pushed, by destination node.',
        claimed: 'Messages claimed by pulls, by destination node.',
        acked: 'Messages acked, by destination node.',
        nacked: 'Messages given back by nack, by destination node.',
      };
      for (const counter of ['pushed', 'claimed', 'acked', 'nacked'] as const) {
        const name = `scirocco_messages_${counter}_total`;
        family(lines, name, 'counter', helps[counter], counterSamples(name, perNode[counter], 'node'));
      }
      family(
        lines,
        'scirocco_messages_recovered_total',
        'counter',
        'Messages processing for longer than the processing timeout, given back to their queue.',
        [`scirocco_messages_recovered_total ${number(recovered)}`],
      );
      family(
        lines,
        'scirocco_store_errors_total',
        'counter',
        'Failures of the message store (requests answered 500, sweeps that failed).',
        [`scirocco_store_errors_total ${number(storeErrors)}`],
      );
      return `${lines.join('\n')}\n`;
    },
  };
}

/**
 * The Prometheus exposition of a server's counters and of its store's message counts (none when
 * the store cannot count them): the body of `GET /metrics`.
 */
export async function metricsExposition(
  metrics: ServerMetrics,
  statusGroups: (() => Promise<readonly StatusGroup[]>) | undefined,
  clock: () => number,
): Promise<Reply> {
  const nodes = statusGroups ? summarizeGroups(await statusGroups(), new Date(clock())) : undefined;
  return {
    status: 200,
    headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' },
    body: metrics.exposition(nodes),
  };
}
