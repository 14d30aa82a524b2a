// The extensions of this package's server against the plain protocol, side by side in one run:
// idle latency and idle requests, then end to end with got and undici at concurrency 1 and 8.
import { cpuSeconds, freshNode, log, RUNS, server, worker } from './processes.js';
import { percentile, round, showSpread, spread, table } from './stats.js';

interface Timed {
  messages: number;
  seconds: number;
  cpuMicros: number;
}

/** Messages per end-to-end run: a couple of seconds of the plain protocol each. */
const COUNTS = { got: { 1: 3_000, 8: 4_000 }, undici: { 1: 5_000, 8: 20_000 } } as const;

/** The end-to-end ratio the extensions must reach, with undici at concurrency 8. */
export const TARGET_RATIO = 4;

const IDLE_MS = 10_000;

interface Run {
  rate: number;
  p50: number;
  p99: number;
  cpu: number;
}

/** One push → pull → ack run: a producer and a consumer process together. */
async function endToEndRun(
  url: string,
  serverPid: number | undefined,
  http: 'got' | 'undici',
  concurrency: 1 | 8,
  extensions: boolean,
  maxInFlight?: number,
): Promise<Run> {
  const count = COUNTS[http][concurrency];
  const base = {
    url,
    node: freshNode(),
    count,
    concurrency,
    http,
    library: true,
    extensions,
    interval: 5,
    ...(maxInFlight === undefined ? {} : { maxInFlight }),
  };
  const started = process.hrtime.bigint();
  const serverBefore = cpuSeconds(serverPid) ?? 0;
  const consuming = worker<Timed & { latencies: number[] }>({ ...base, kind: 'e2e-consume' });
  const produced = await worker<Timed>({ ...base, kind: 'e2e-produce' });
  const consumed = await consuming;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const serverMicros = ((cpuSeconds(serverPid) ?? 0) - serverBefore) * 1e6;
  if (consumed.messages !== count) throw new Error(`end to end: ${consumed.messages} of ${count}`);
  return {
    rate: count / seconds,
    p50: percentile(consumed.latencies, 50),
    p99: percentile(consumed.latencies, 99),
    cpu: (produced.cpuMicros + consumed.cpuMicros + serverMicros) / count,
  };
}

async function idleRows(url: string) {
  const modes = [
    { name: 'plain, interval 100 ms', interval: 100, longPoll: false as const },
    { name: 'plain, interval 500 ms', interval: 500, longPoll: false as const },
    { name: 'long polling (the default, 20 s waits)', interval: 500, longPoll: 20_000 },
  ];
  const rows: (string | number)[][] = [];
  const results: Record<string, { p50: number; p99: number }> = {};
  for (const mode of modes) {
    const { delays } = await worker<{ delays: number[] }>({
      kind: 'idle',
      url,
      node: freshNode(),
      count: 40,
      concurrency: 1,
      http: 'undici',
      library: true,
      interval: mode.interval,
      longPoll: mode.longPoll,
    });
    const { requests } = await worker<{ requests: number }>({
      kind: 'idle-requests',
      url,
      node: freshNode(),
      count: 0,
      concurrency: 1,
      http: 'undici',
      library: true,
      interval: mode.interval,
      longPoll: mode.longPoll,
      idleMs: IDLE_MS,
    });
    const p50 = percentile(delays, 50);
    const p99 = percentile(delays, 99);
    results[mode.longPoll === false ? String(mode.interval) : 'long'] = { p50, p99 };
    rows.push([
      mode.name,
      round(p50),
      round(p99),
      round(Math.max(...delays)),
      round(requests / (IDLE_MS / 1000)),
    ]);
    log(`idle, ${mode.name}: p50 ${round(p50)} ms, p99 ${round(p99)} ms, ${requests} requests idle`);
  }
  return { rows, long: results.long };
}

/** Runs the extensions' benchmarks on a server of their own; gives their Markdown. */
export async function extensionBenchmarks(): Promise<string> {
  const runs = Math.min(RUNS, 3);
  const ours = await server('scirocco');
  const idle = await idleRows(ours.url);
  const rows: (string | number)[][] = [];
  let ratio = Number.NaN;
  /** The plain protocol's end-to-end rate with undici at concurrency 8, for the prefetch table. */
  let plainRate = Number.NaN;
  for (const http of ['got', 'undici'] as const) {
    for (const concurrency of [1, 8] as const) {
      const plain: Run[] = [];
      const extended: Run[] = [];
      for (let run = 0; run < runs; run++) {
        plain.push(await endToEndRun(ours.url, ours.pid, http, concurrency, false));
        extended.push(await endToEndRun(ours.url, ours.pid, http, concurrency, true));
      }
      const median = (list: Run[], key: keyof Run) => spread(list.map((r) => r[key])).median;
      const rate = { plain: spread(plain.map((r) => r.rate)), extended: spread(extended.map((r) => r.rate)) };
      const times = rate.extended.median / rate.plain.median;
      if (http === 'undici' && concurrency === 8) {
        ratio = times;
        plainRate = rate.plain.median;
      }
      rows.push([
        http,
        concurrency,
        COUNTS[http][concurrency],
        showSpread(rate.plain),
        showSpread(rate.extended),
        `${times.toFixed(2)}×`,
        `${round(median(plain, 'p50'))} / ${round(median(extended, 'p50'))}`,
        `${round(median(plain, 'p99'))} / ${round(median(extended, 'p99'))}`,
        `${round(median(plain, 'cpu'))} / ${round(median(extended, 'cpu'))}`,
      ]);
      log(
        `extensions ${http} c=${concurrency}: plain ${round(rate.plain.median)}/s, extensions ${round(rate.extended.median)}/s`,
      );
    }
  }
  // Prefetch: the consumer's maxInFlight above its 8 handlers, so that a pull claims more at once.
  const prefetch: (string | number)[][] = [];
  for (const maxInFlight of [8, 16, 32, 64]) {
    const measured: Run[] = [];
    for (let run = 0; run < runs; run++) {
      measured.push(await endToEndRun(ours.url, ours.pid, 'undici', 8, true, maxInFlight));
    }
    const rate = spread(measured.map((r) => r.rate));
    const cpu = spread(measured.map((r) => r.cpu)).median;
    prefetch.push([maxInFlight, showSpread(rate), `${(rate.median / plainRate).toFixed(2)}×`, round(cpu)]);
    log(`extensions, maxInFlight ${String(maxInFlight)}: ${round(rate.median)}/s`);
  }
  ours.stop();
  const met = (ok: boolean) => (ok ? 'met' : 'missed');
  const latencyMet = idle.long !== undefined && idle.long.p50 <= 5 && idle.long.p99 <= 20;
  return `## The extensions against the plain protocol, in one run

The same library code against the same server: a plain client (\`createClient({ plain: true })\`,
the original's protocol) and a client that discovers the server's extensions. On the plain
protocol the consumer runs \`concurrency\` \`pull$\` streams of one claim each (polling every 5 ms
when empty), its best; with the extensions it is what a user writes, one \`pull$\` into
\`ackOnComplete({ concurrency })\`, long polling, claiming and acking in batches; the producer is
\`pushFrom({ concurrency })\` over an AsyncIterable, pushing in batches where it may. The median of
${String(runs)} runs.

### Idle latency: a message pushed while the consumer waits (40 pushes at random moments)

${table(['consumer', 'p50 push → handler (ms)', 'p99 (ms)', 'max (ms)', `requests/s while idle (${String(IDLE_MS / 1000)} s)`], idle.rows)}

Target with long polling: p50 ≤ 5 ms and p99 ≤ 20 ms: ${met(latencyMet)}.

### End to end: push → pull → ack, producer and consumer together

${table(
  [
    'HTTP library',
    'concurrency',
    'messages',
    'plain protocol, messages/s',
    'extensions, messages/s',
    'ratio',
    'p50 push → handler (ms): plain / ext.',
    'p99 (ms): plain / ext.',
    'CPU, µs/message, clients + server: plain / ext.',
  ],
  rows,
)}

Target with undici at concurrency 8: ≥ ${String(TARGET_RATIO)}× the plain protocol: ${ratio.toFixed(2)}×, ${met(ratio >= TARGET_RATIO)}.

### Prefetch: the consumer's \`maxInFlight\` above its 8 handlers (undici, extensions)

A pull claims up to the free in-flight slots: with \`maxInFlight\` above \`concurrency\`, each
claims more at once, handlers take the messages waiting while the acks of the last ones travel,
and a pull goes without waiting for them; messages wait for a handler in the client instead of the
queue. The ratio is to the plain protocol's rate above (undici, concurrency 8).

${table(['maxInFlight', 'messages/s', 'against the plain protocol', 'CPU, µs/message, clients + server'], prefetch)}
`;
}
