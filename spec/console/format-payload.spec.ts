import { describe, expect, it } from 'vitest';
import { flowRate, keepRates } from '../../lib/console/flow-rates.js';
import { formatAge, formatPayload, formatSize } from '../../lib/console/format-payload.js';
import type { QueueSummary } from '../../lib/protocol/queue-summary.js';

const summary = (at: number, pushed: number, acked: number): QueueSummary => ({
  nodes: [],
  totals: { pushed, claimed: 0, acked, nacked: 0, recovered: 0 },
  version: pushed + acked,
  at: new Date(at),
});

describe('the console’s payloads, ages and rates', () => {
  it('shows JSON pretty, text as it is, and bytes as hex with offsets, each with its size', () => {
    expect(formatPayload({ a: [1, 'é'] })).toEqual({
      kind: 'json',
      text: '{\n  "a": [\n    1,\n    "é"\n  ]\n}',
      size: 14, // {"a":[1,"é"]}: é is two bytes
      truncated: false,
    });
    expect(formatPayload('héllo')).toEqual({ kind: 'text', text: 'héllo', size: 6, truncated: false });
    const bytes = formatPayload(Uint8Array.from({ length: 18 }, (_, n) => n * 15));
    expect(bytes.text).toBe('00000000  00 0f 1e 2d 3c 4b 5a 69 78 87 96 a5 b4 c3 d2 e1\n00000010  f0 ff');
    expect([bytes.kind, bytes.size, bytes.truncated]).toEqual(['bytes', 18, false]);
    const large = formatPayload(new Uint8Array(5000));
    expect([large.size, large.truncated, large.text.split('\n').length]).toEqual([5000, true, 256]);
  });

  it('writes sizes and ages for people', () => {
    expect([formatSize(512), formatSize(1536), formatSize(3 * 1024 * 1024)]).toEqual([
      '512 B',
      '1.5 kB',
      '3.0 MB',
    ]);
    expect(
      [undefined, 850, 12_400, 184_000, 7_500_000, 3 * 86_400_000 + 4 * 3_600_000].map(formatAge),
    ).toEqual(['—', '850 ms', '12 s', '3 min 4 s', '2 h 5 min', '3 d 4 h']);
  });

  it('rates the flow between two summaries, none across a restart, and keeps the last ones', () => {
    expect(flowRate(summary(0, 10, 4), summary(2_000, 30, 10))).toEqual({
      at: 2_000,
      pushedPerSecond: 10,
      ackedPerSecond: 3,
    });
    expect(flowRate(summary(0, 10, 4), summary(1_000, 2, 0))).toBeUndefined(); // totals went down
    expect(flowRate(summary(1_000, 1, 1), summary(1_000, 2, 2))).toBeUndefined(); // no time between
    const rate = (at: number) => ({ at, pushedPerSecond: 1, ackedPerSecond: 1 });
    expect(keepRates([rate(1), rate(2)], rate(3), 2).map((kept) => kept.at)).toEqual([2, 3]);
    expect(keepRates([rate(1)], undefined, 2).map((kept) => kept.at)).toEqual([1]);
  });
});
