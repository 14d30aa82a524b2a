// What watching the queue costs: the client's OpenTelemetry (none, the API alone, the SDK) when
// consuming and producing, the server's counters per request, and a scrape of GET /metrics.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { createServerMetrics } from 'scirocco-rx/server';
import { freshNode, log, RUNS, server, worker } from './processes.js';
import type { Scenario } from './workers.js';
import { round, showSpread, spread, table } from './stats.js';

interface Timed {
  messages: number;
  seconds: number;
  cpuMicros: number;
}

const COUNT = 20_000;

/** A difference with its sign: `+3.4`, `−0.7`. */
const signed = (value: number) => `${value < 0 ? '−' : '+'}${round(Math.abs(value))}`;
const MODES = [
  ['no `telemetry`', undefined],
  ['a `telemetry` that does nothing (the hook points alone)', 'hooks'],
  ['`openTelemetry()`, the API alone (no SDK registered)', 'api'],
  ['`openTelemetry()` on the SDK (batched spans, metrics every 1 s)', 'sdk'],
] as const;

/** Consume or produce runs of every telemetry mode, interleaved: one table row per mode. */
async function clientCost(url: string, kind: 'consume' | 'produce', extensions: boolean) {
  const rates = MODES.map(() => [] as number[]);
  const cpu = MODES.map(() => [] as number[]);
  for (let run = 0; run < RUNS; run++) {
    for (const [index, [, telemetry]] of MODES.entries()) {
      const node = freshNode();
      const base: Omit<Scenario, 'kind'> = {
        url,
        node,
        count: COUNT,
        concurrency: 8,
        http: 'undici',
        library: true,
        extensions,
        ...(telemetry === undefined ? {} : { telemetry }),
      };
      if (kind === 'consume') await worker({ ...base, kind: 'fill', concurrency: 16 });
      const result = await worker<Timed>({ ...base, kind });
      if (result.messages !== COUNT) throw new Error(`${kind}: ${result.messages} of ${COUNT}`);
      rates[index]?.push(COUNT / result.seconds);
      cpu[index]?.push(result.cpuMicros / COUNT);
    }
  }
  const baseCpu = spread(cpu[0] ?? []).median;
  return MODES.map(([name], index) => {
    const micros = spread(cpu[index] ?? []).median;
    log(`${kind} (${extensions ? 'extensions' : 'plain'}), ${name}: ${round(micros)} µs/message`);
    return [
      name,
      showSpread(spread(rates[index] ?? [])),
      round(micros),
      index === 0 ? '' : signed(micros - baseCpu),
    ];
  });
}

/** Nanoseconds of the server's counters per request: a pull's (a request and a claim). */
function countersCost(): ReturnType<typeof spread> {
  const calls = 2_000_000;
  const nodes = ['b2', 'c3', 'd4', 'e5'];
  const runs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const metrics = createServerMetrics();
    const started = process.hrtime.bigint();
    for (let n = 0; n < calls; n++) {
      metrics.request('pull', 200, 0.0003 + (n % 7) * 0.0002);
      metrics.count('claimed', nodes[n % nodes.length] ?? 'b2');
    }
    runs.push(Number(process.hrtime.bigint() - started) / calls);
  }
  return spread(runs);
}

/** The time of `GET /metrics` against a server holding `messages` messages on `store`. */
async function scrapeCost(store: string, messages: number) {
  const running = await server('scirocco', { store, preload: messages, metrics: true });
  try {
    const times: number[] = [];
    let bytes = 0;
    for (let n = 0; n < 4 + RUNS * 4; n++) {
      const started = performance.now();
      const answer = await request(`${running.url}/metrics`, { headers: { authorization: 'DEFAULT_TOKEN' } });
      const text = await answer.body.text();
      if (answer.statusCode !== 200) throw new Error(`/metrics answered ${answer.statusCode}`);
      if (n >= 4) times.push(performance.now() - started); // the first ones warm the server up
      bytes = text.length;
    }
    return { times: spread(times), bytes };
  } finally {
    running.stop();
  }
}

/** The Markdown section of the observability benchmarks. */
export async function observabilityBenchmarks(): Promise<string> {
  log('observability: the client with and without OpenTelemetry…');
  const ours = await server('scirocco');
  const rows = {
    consumePlain: await clientCost(ours.url, 'consume', false),
    consumeExtensions: await clientCost(ours.url, 'consume', true),
    producePlain: await clientCost(ours.url, 'produce', false),
    produceExtensions: await clientCost(ours.url, 'produce', true),
  };
  ours.stop();
  log('observability: the server counters and /metrics…');
  const counters = countersCost();
  const directory = mkdtempSync(join(tmpdir(), 'scirocco-scrape-'));
  const scrapes: (string | number)[][] = [];
  try {
    for (const [name, store] of [
      ['memory', 'memory'],
      ['SQLite', `sqlite:${join(directory, 'scrape.db')}`],
    ] as const) {
      for (const messages of [0, 100_000]) {
        const { times, bytes } = await scrapeCost(store, messages);
        scrapes.push([name, messages.toLocaleString('en-US'), showSpread(times), bytes]);
        log(`scrape of ${name} at ${messages}: ${round(times.median)} ms`);
        if (store.startsWith('sqlite:')) rmSync(store.slice('sqlite:'.length), { force: true });
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const header = ['client', 'messages/s', 'client CPU, µs/message', 'added CPU, µs/message'];
  return `## What watching the queue costs

### OpenTelemetry in the client (undici, concurrency 8, ${COUNT.toLocaleString('en-US')} messages)

The library's consumer (\`pull$\` + \`ackOnComplete\`) and producer (\`pushFrom\`), as in the
tables above, with each kind of \`telemetry\`; the runs of the four interleaved. The SDK's
exporters drop what they get: the cost is the spans' and metrics' making, not a network's.
On the plain protocol every message has its \`receive\`, \`process\` and \`ack\` spans; with the
extensions a batch pull has one \`receive\` and acks that meet in the ack window one \`ack\`.

Consume, plain protocol:

${table(header, rows.consumePlain)}

Consume, with the extensions:

${table(header, rows.consumeExtensions)}

Produce, plain protocol:

${table(header, rows.producePlain)}

Produce, with the extensions:

${table(header, rows.produceExtensions)}

### The server's counters and \`GET /metrics\`

The counters behind \`/metrics\` and the summary are kept whether \`/metrics\` is served or not.
What they take per pull (a request with its duration, and a claim), measured in one process over
2,000,000 calls: **${showSpread(counters)} ns**.

A scrape of \`/metrics\` counts the store's messages by node and status: its time, from a client
on the same machine, against a server holding that many messages (on one node), the median of
${String(RUNS * 4)} scrapes:

${table(['store', 'messages', 'scrape (ms)', 'exposition (bytes)'], scrapes)}
`;
}
