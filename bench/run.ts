// npm run bench: measures the library against hand-written loops of the same HTTP library, the
// server against a bare node:http server, memory over a million messages, and the library's CPU
// per message; prints the tables and writes them to docs/benchmarks.md.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGenerator, type Shape } from './load-generator.js';
import { child, cpuSeconds, freshNode, log, RUNS, server, worker } from './processes.js';
import { percentile, round, showSpread, spread, table, type Spread } from './stats.js';
import { extensionBenchmarks } from './extensions.js';
import { observabilityBenchmarks } from './observability.js';
import { FLAT_CYCLES, storeBenchmarks } from './stores.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

interface Timed {
  messages: number;
  seconds: number;
  /** CPU time of the worker's own process over the run, user and system. */
  cpuMicros: number;
}

/** Messages per run: enough for a couple of seconds each, past the JIT's warm-up. */
const COUNTS = { got: { 1: 3_000, 8: 4_000 }, undici: { 1: 5_000, 8: 20_000 } } as const;

async function compare(kind: 'consume' | 'produce', url: string) {
  const rows: (string | number)[][] = [];
  const ratios: Record<string, number> = {};
  for (const http of ['got', 'undici'] as const) {
    for (const concurrency of [1, 8] as const) {
      const count = COUNTS[http][concurrency];
      const rates: Record<'hand' | 'library', number[]> = { hand: [], library: [] };
      const cpu: Record<'hand' | 'library', number[]> = { hand: [], library: [] };
      for (let run = 0; run < RUNS; run++) {
        for (const library of [false, true]) {
          const node = freshNode();
          const base = { url, node, count, concurrency, http, library };
          if (kind === 'consume') await worker({ ...base, kind: 'fill', concurrency: 16 });
          const result = await worker<Timed>({ ...base, kind });
          if (result.messages !== count) throw new Error(`${kind}: ${result.messages} of ${count}`);
          rates[library ? 'library' : 'hand'].push(count / result.seconds);
          cpu[library ? 'library' : 'hand'].push(result.cpuMicros / count);
        }
      }
      const hand = spread(rates.hand);
      const library = spread(rates.library);
      const ratio = library.median / hand.median;
      ratios[`${http}/${concurrency}`] = ratio;
      rows.push([
        http,
        concurrency,
        count,
        showSpread(hand),
        showSpread(library),
        `${ratio.toFixed(2)}×`,
        `${round(spread(cpu.hand).median)} / ${round(spread(cpu.library).median)}`,
      ]);
      log(
        `${kind} ${http} c=${concurrency}: hand ${round(hand.median)}/s, library ${round(library.median)}/s`,
      );
    }
  }
  return { rows, ratios };
}

async function endToEnd(url: string, serverPid: number | undefined) {
  const count = 20_000;
  const results = { hand: [] as E2eRun[], library: [] as E2eRun[] };
  for (let run = 0; run < RUNS; run++) {
    for (const library of [false, true]) {
      const node = freshNode();
      const base = { url, node, count, concurrency: 8, http: 'undici' as const, library };
      const started = process.hrtime.bigint();
      const serverCpuBefore = cpuSeconds(serverPid);
      const consuming = worker<Timed & { latencies: number[] }>({
        ...base,
        kind: 'e2e-consume',
        interval: 5,
      });
      const produced = await worker<Timed>({ ...base, kind: 'e2e-produce' });
      const consumed = await consuming;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const serverCpuAfter = cpuSeconds(serverPid);
      results[library ? 'library' : 'hand'].push({
        rate: count / seconds,
        p50: percentile(consumed.latencies, 50),
        p99: percentile(consumed.latencies, 99),
        clientCpu: (produced.cpuMicros + consumed.cpuMicros) / count,
        serverCpu:
          serverCpuBefore === undefined || serverCpuAfter === undefined
            ? Number.NaN
            : ((serverCpuAfter - serverCpuBefore) * 1e6) / count,
      });
      log(`end to end, ${library ? 'library' : 'hand-written'}: ${round(count / seconds)}/s`);
    }
  }
  const summary = (runs: E2eRun[]) => ({
    rate: spread(runs.map((r) => r.rate)),
    p50: spread(runs.map((r) => r.p50)),
    p99: spread(runs.map((r) => r.p99)),
    clientCpu: spread(runs.map((r) => r.clientCpu)),
    serverCpu: spread(runs.map((r) => r.serverCpu)),
  });
  return { hand: summary(results.hand), library: summary(results.library) };
}

interface E2eRun {
  rate: number;
  p50: number;
  p99: number;
  /** CPU of the producer and the consumer processes, µs per message. */
  clientCpu: number;
  /** CPU of the server process, µs per message (NaN where /proc is not there). */
  serverCpu: number;
}

async function idleLatency(url: string) {
  const rows: (string | number)[][] = [];
  for (const interval of [100, 500]) {
    const { delays } = await worker<{ delays: number[] }>({
      kind: 'idle',
      url,
      node: freshNode(),
      count: 12,
      concurrency: 1,
      http: 'undici',
      library: true,
      interval,
    });
    const mean = delays.reduce((sum, d) => sum + d, 0) / delays.length;
    rows.push([
      interval,
      round(mean),
      round(percentile(delays, 50)),
      round(Math.max(...delays)),
      round(interval / 2),
    ]);
    log(`idle latency at ${interval} ms: mean ${round(mean)} ms`);
  }
  return rows;
}

async function serverAlone() {
  const generator = loadGenerator(log);
  const servers = {
    ours: await server('scirocco'),
    bare: await server('bare'),
    barePush: await server('bare-push'),
  };
  const measure = async (url: string, shape: Shape) => {
    const rates: number[] = [];
    for (let run = 0; run < RUNS; run++) rates.push(await generator.rate(url, shape, 16, 3));
    return spread(rates);
  };
  const bare = await measure(servers.bare.url, 'bare');
  const barePush = await measure(servers.barePush.url, 'push');
  const pull = await measure(servers.ours.url, 'pull');
  const push = await measure(servers.ours.url, 'push');
  for (const running of Object.values(servers)) running.stop();
  log(`server: bare ${round(bare.median)}, pull ${round(pull.median)}, push ${round(push.median)} req/s`);
  return { generator: generator.name, bare, barePush, pull, push };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

async function cpuProfile(url: string) {
  const dir = mkdtempSync(join(tmpdir(), 'scirocco-prof-'));
  const count = 20_000;
  const node = freshNode();
  await worker({ kind: 'fill', url, node, count, concurrency: 16, http: 'undici', library: false });
  await worker({ kind: 'consume', url, node, count, concurrency: 8, http: 'undici', library: true }, [
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
  ]);
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error('no CPU profile written');
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const self = new Map<number, number>();
  profile.samples.forEach((id, index) =>
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)),
  );
  const byFunction = new Map<string, { micros: number; library: boolean }>();
  let libraryMicros = 0;
  let totalMicros = 0;
  for (const entry of profile.nodes) {
    const micros = self.get(entry.id) ?? 0;
    totalMicros += micros;
    const { url: source, functionName, lineNumber } = entry.callFrame;
    const library =
      source.includes('/dist/') && !source.includes('/dist-bench/') && !source.includes('node_modules');
    if (library) libraryMicros += micros;
    const where = source ? `${basename(source)}:${lineNumber + 1}` : '(native)';
    const key = `${functionName || '(anonymous)'} ${where}`;
    const known = byFunction.get(key) ?? { micros: 0, library };
    known.micros += micros;
    byFunction.set(key, known);
  }
  const top = [...byFunction.entries()].sort((a, b) => b[1].micros - a[1].micros);
  return {
    count,
    perMessage: libraryMicros / count,
    totalPerMessage: totalMicros / count,
    top: top
      .slice(0, 10)
      .map(([name, { micros, library }]) => [`\`${name}\``, library ? 'library' : '', round(micros / count)]),
    topLibrary: top
      .filter(([, v]) => v.library)
      .slice(0, 8)
      .map(([name, { micros }]) => [`\`${name}\``, round(micros / count)]),
  };
}

const CompareHeader = [
  'HTTP library',
  'concurrency',
  'messages',
  'hand-written',
  'scirocco-rx',
  'ratio',
  'client CPU, µs/message: hand / library',
];

/** The Markdown of the store benchmarks. */
function storeReport(stores: Awaited<ReturnType<typeof storeBenchmarks>>): string {
  const stored = stores.flat.stored.map((n) => n.toLocaleString('en-US'));
  return `## Stores: claim + ack cycles per second (hand-written undici loops)

Each run fills a fresh store over HTTP (a new SQLite file; a new PostgreSQL schema, on a cluster
the bench starts with \`fsync\` on), then measures pull + ack loops alone: 3,000 cycles with 1
consumer, 12,000 with 8, spread over the instances where there are three (all on one
PostgreSQL). Server CPU is the scirocco processes'; database CPU, PostgreSQL's (its postmaster
and backends). The median of ${String(Math.min(RUNS, 3))} runs.

${table(
  ['store', 'consumers', 'cycles/s', 'against memory', 'server CPU, µs/cycle', 'database CPU, µs/cycle'],
  stores.cycles,
)}

## Stores end to end: push → pull → ack with scirocco-rx (undici, concurrency 8, 20,000 messages)

One producer (\`pushFrom\`, concurrency 8) and 8 consumers (\`pull$\` + \`ackOnComplete\`)
together, spread over the instances; CPU per message as above.

${table(['store', 'messages/s', 'against memory', 'target', 'server CPU, µs/message', 'database CPU, µs/message'], stores.endToEnd.rows)}

## A claim's cost against the messages stored (8 consumers, ${String(FLAT_CYCLES)} cycles a run)

Cycles per second with that many messages waiting for the consumers' node (preloaded into the
store before the server starts, with the ${String(FLAT_CYCLES * Math.min(RUNS, 3))} the runs take on top; PostgreSQL on a
cluster with \`fsync\` off, so that filling it takes minutes, not hours). Flat means
the claim finds the oldest due message through an index, whatever the queue's length.

${table(['store', ...stored, `${stored.at(-1) ?? ''} against ${stored[0] ?? ''}`], stores.flat.rows)}
`;
}

const ratioRow = (s: Spread, base: Spread) => `${(s.median / base.median).toFixed(2)}×`;

async function main() {
  const started = Date.now();
  if (process.env.BENCH_ONLY === 'stores') {
    process.stdout.write(storeReport(await storeBenchmarks()));
    return;
  }
  if (process.env.BENCH_ONLY === 'extensions') {
    process.stdout.write(await extensionBenchmarks());
    return;
  }
  if (process.env.BENCH_ONLY === 'observability') {
    process.stdout.write(await observabilityBenchmarks());
    return;
  }
  log('consume…');
  let ours = await server('scirocco');
  const consume = await compare('consume', ours.url);
  ours.stop();
  log('produce…');
  ours = await server('scirocco');
  const produce = await compare('produce', ours.url);
  ours.stop();
  log('end to end…');
  ours = await server('scirocco');
  const e2e = await endToEnd(ours.url, ours.pid);
  const idle = await idleLatency(ours.url);
  ours.stop();
  log('the extensions against the plain protocol…');
  const extensions = await extensionBenchmarks();
  log('stores…');
  const stores = await storeBenchmarks();
  const observability = await observabilityBenchmarks();
  log('stop latency and the ledger…');
  const stops = JSON.parse(await child('stop.js', [])) as {
    latency: Record<'idle' | 'backingOff' | 'pullInFlight' | 'draining', number[]>;
    ledger: Record<string, number>;
  };
  const ledgerRow = (
    [
      'claimed',
      'acked',
      'handedBack',
      'stranded',
      'possiblyStranded',
      'inFlight',
      'serverProcessing',
    ] as const
  ).map((name) => stops.ledger[name] ?? 0);
  log('memory…');
  interface MemorySample {
    rss: number;
    heap: number;
  }
  const memory = async (young: string[]) => ({
    consume: JSON.parse(await child('memory.js', ['consume'], ['--expose-gc', ...young])) as {
      handled: number;
      samples: MemorySample[];
    },
    produce: JSON.parse(await child('memory.js', ['produce'], ['--expose-gc', ...young])) as {
      pushed: number;
      peakInFlight: number;
      start: MemorySample;
      end: MemorySample;
      peakRss: number;
    },
  });
  const { consume: memoryConsume, produce: memoryProduce } = await memory([]);
  // The same with V8's young generation kept at 1 MB: what RSS growth is left is not V8's nursery.
  const small = await memory(['--max-semi-space-size=1']);
  const smallConsumeGrowth = round(
    (small.consume.samples.at(-1)?.rss ?? 0) - (small.consume.samples[0]?.rss ?? 0),
  );
  const smallProduceGrowth = round(small.produce.end.rss - small.produce.start.rss);
  log('server alone…');
  const alone = await serverAlone();
  log('CPU profile…');
  ours = await server('scirocco');
  const profile = await cpuProfile(ours.url);
  ours.stop();

  const cpu = cpus();
  const [first, middle, last] = memoryConsume.samples;
  const growth = round((last?.rss ?? 0) - (first?.rss ?? 0));
  const report = `# Benchmarks

Measured with \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown'}),
Node.js ${process.version}, on loopback against this package's server with its in-memory store, in
its own process; the clients in processes of their own; keep-alive on. Each figure is the median
of ${RUNS} runs, with the lowest and highest in parentheses. The run took ${Math.round((Date.now() - started) / 1000)} s.

A hand-written loop is what a user would write with the HTTP library alone: \`concurrency\` loops
of pull then ack (or push), the smallest request call, no decoding. The library runs \`concurrency\`
\`pull$\` streams (one claim each) into one \`ackOnComplete({ concurrency })\`, or one
\`pushFrom({ concurrency })\` over an AsyncIterable, and decodes every message. Both speak the
plain protocol (the library's client is made \`plain\`), so that they compare like for like; the
extensions have [their own tables](#the-extensions-against-the-plain-protocol-in-one-run). Client CPU is the
user and system time of the client's process over the run, per message: what it takes from the
cores the server needs too.

## Consume: \`pull$\` + \`ackOnComplete\` against a pull + ack loop (messages/s)

${table(CompareHeader, consume.rows)}

## Produce: \`pushFrom\` against a push loop (messages/s)

${table(CompareHeader, produce.rows)}

## End to end: push → pull → ack, producer and consumer together (undici, concurrency 8, 20,000 messages)

${table(
  [
    'clients',
    'messages/s',
    'p50 push → handler (ms)',
    'p99 push → handler (ms)',
    'CPU, µs/message: clients + server = all',
  ],
  (['hand', 'library'] as const).map((who) => {
    const client = e2e[who].clientCpu.median;
    const serverCpu = e2e[who].serverCpu.median;
    return [
      who === 'hand' ? 'hand-written loops' : 'scirocco-rx',
      showSpread(e2e[who].rate),
      showSpread(e2e[who].p50),
      showSpread(e2e[who].p99),
      Number.isNaN(serverCpu)
        ? `${round(client)} + ? = ?`
        : `${round(client)} + ${round(serverCpu)} = ${round(client + serverCpu)}`,
    ];
  }),
)}

CPU is each process's user and system time over the run (the server's from \`/proc\`), per
message. ${cpu.length} cores give ${cpu.length * 1_000_000} µs of CPU per second, so a run that uses
N µs per message in all cannot pass ${cpu.length * 1_000_000} / N messages/s.

${extensions}
${storeReport(stores)}
${observability}
## Idle latency: a message pushed while the consumer waits (plain protocol, polling)

${table(['interval (ms)', 'mean delay (ms)', 'p50 (ms)', 'max (ms)', 'expected mean: interval / 2'], idle)}

## Stop latency: from a graceful \`stop\` to the end of the stream (ms)

${table(
  ['consumer state', 'stop → complete (ms)', 'what it waits for'],
  [
    ['idle (waiting a 5 s interval)', showSpread(spread(stops.latency.idle)), 'nothing'],
    ['backing off (server down, third delay)', showSpread(spread(stops.latency.backingOff)), 'nothing'],
    [
      'a pull in flight (300 ms answers, stop 50 ms in)',
      showSpread(spread(stops.latency.pullInFlight)),
      'the pull (~250 ms)',
    ],
    [
      '4 handlers of 10 s, `drainTimeout` 500 ms',
      showSpread(spread(stops.latency.draining)),
      'the drain deadline, then the hand-backs',
    ],
  ],
)}

## The ledger of a consumer stopped ${stops.ledger.stops ?? 0} times (2,000 messages, concurrency 8)

Abrupt unsubscribes and graceful stops (\`drainTimeout\` 3 ms) at seeded random moments, each
followed by a new consumer, then one that drains the queue. Every claimed message has one outcome;
nothing is left in flight or \`processing\`.

${table(
  [
    'claimed',
    'acked',
    'handed back',
    'stranded',
    'possibly stranded',
    'in flight at the end',
    'processing on the server at the end',
  ],
  [ledgerRow],
)}

## Memory over a million messages (the library alone, operations answering at once)

${table(
  [
    'flow',
    'start RSS / heap (MB)',
    'middle RSS / heap (MB)',
    'end RSS / heap (MB)',
    'RSS growth (MB)',
    'RSS growth, 1 MB semi-space (MB)',
  ],
  [
    [
      `pull$ + ackOnComplete, ${memoryConsume.handled} messages`,
      `${first?.rss} / ${first?.heap}`,
      `${middle?.rss} / ${middle?.heap}`,
      `${last?.rss} / ${last?.heap}`,
      growth,
      smallConsumeGrowth,
    ],
  ],
)}

${table(
  [
    'flow',
    'peak items in flight',
    'start RSS / heap (MB)',
    'peak RSS (MB)',
    'end RSS / heap (MB)',
    'RSS growth (MB)',
    'RSS growth, 1 MB semi-space (MB)',
  ],
  [
    [
      `pushFrom from a ${memoryProduce.pushed}-item AsyncIterable, concurrency 8`,
      memoryProduce.peakInFlight,
      `${memoryProduce.start.rss} / ${memoryProduce.start.heap}`,
      memoryProduce.peakRss,
      `${memoryProduce.end.rss} / ${memoryProduce.end.heap}`,
      round(memoryProduce.end.rss - memoryProduce.start.rss),
      smallProduceGrowth,
    ],
  ],
)}

RSS is measured after a garbage collection. The heap (live objects) is what the library could
leak, and it stays flat. Most of the RSS growth is V8's young generation, which Node grows up to
16 MB per semi-space under a high allocation rate and keeps: the last column runs the same flow
with \`--max-semi-space-size=1\`.

## The server alone: requests/s, 16 connections, against a bare \`node:http\` server

Load from ${alone.generator}, 3 s per run (the bench installs wrk with apt-get when it is missing
and it runs as root; otherwise it uses its Node load generator). The second row is a bare server
that answers every request with what a push gets (201, the same ten headers, the body back),
doing nothing else.

${table(
  ['server and request', 'requests/s', 'against bare 204', 'against bare 201'],
  [
    ['bare node:http, 204', showSpread(alone.bare), '1.00×', ''],
    [
      'bare node:http, a push answer (201)',
      showSpread(alone.barePush),
      ratioRow(alone.barePush, alone.bare),
      '1.00×',
    ],
    ['empty pull (204)', showSpread(alone.pull), ratioRow(alone.pull, alone.bare), ''],
    [
      'push (201)',
      showSpread(alone.push),
      ratioRow(alone.push, alone.bare),
      ratioRow(alone.push, alone.barePush),
    ],
  ],
)}

## CPU per message of the library's own code

From \`node --cpu-prof\` of the consume benchmark (undici, concurrency 8, ${profile.count} messages):
**${round(profile.perMessage)} µs** of self time per message in the library's code (client and
rx), out of ${round(profile.totalPerMessage)} µs for the whole process (HTTP, event loop, idle waits
included).

Top self-time functions, µs per message:

${table(['function', 'code', 'µs/message'], profile.top)}

The library's own, µs per message:

${table(['function', 'µs/message'], profile.topLibrary)}
`;
  // Keep the written analysis below the marker from one run to the next.
  const file = join(ROOT, 'docs', 'benchmarks.md');
  const MARKER = '<!-- analysis: kept by npm run bench -->';
  let analysis = '';
  try {
    const previous = readFileSync(file, 'utf8');
    const at = previous.indexOf(MARKER);
    if (at >= 0) analysis = previous.slice(at);
  } catch {
    // first run
  }
  writeFileSync(file, `${report.trimEnd()}\n${analysis ? `\n${analysis.trimEnd()}\n` : ''}`);
  process.stdout.write(report);
}

await main();
