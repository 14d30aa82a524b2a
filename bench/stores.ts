// The stores against each other: claim + ack cycles per second on memory, SQLite and PostgreSQL
// (one instance, and three on one database), end to end beside the memory store, and a claim's
// cost as the stored messages grow from a thousand to a million.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgresCluster, type PostgresCluster } from './postgres-cluster.js';
import {
  cpuSeconds,
  freshNode,
  log,
  RUNS,
  server,
  treeCpuSeconds,
  worker,
  type ServerProcess,
} from './processes.js';
import { round, showSpread, spread, type Spread } from './stats.js';

/** Store runs repeat fewer times than the client runs: each fills a store first. */
const STORE_RUNS = Math.min(RUNS, 3);
const STORED = (process.env.BENCH_STORED ?? '1000,100000,1000000').split(',').map(Number);

type StoreKind = 'memory' | 'sqlite' | 'postgres';

interface Setup {
  readonly store: StoreKind;
  readonly instances: number;
}

interface Timed {
  messages: number;
  seconds: number;
  cpuMicros: number;
}

/** Where a run keeps its messages: a fresh SQLite file, or a fresh PostgreSQL schema. */
function storeUrl(kind: StoreKind, directory: string, cluster: PostgresCluster | undefined): string {
  const fresh = freshNode();
  if (kind === 'memory') return 'memory';
  if (kind === 'sqlite') return `sqlite:${join(directory, `q-${fresh}.db`)}`;
  if (!cluster) throw new Error('no PostgreSQL cluster');
  return `${cluster.url}?schema=bench_${fresh}`;
}

/**
 * Drops a run's PostgreSQL schema and checkpoints, so that the next run measures neither the
 * vacuuming of this one's dead rows nor the flushing of its pages; removes a SQLite file.
 */
async function forget(url: string): Promise<void> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    for (const file of [path, `${path}-wal`, `${path}-shm`]) rmSync(file, { force: true });
    return;
  }
  if (!url.startsWith('postgres')) return;
  const schema = new URL(url).searchParams.get('schema') ?? '';
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url.split('?')[0] });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}

/** Servers of one setup on one store (several only on PostgreSQL, which they share). */
async function serve(setup: Setup, url: string, preload?: { count: number; node: string }) {
  const servers: ServerProcess[] = [];
  // The first one creates the schema (and the preloaded messages) before the others start.
  servers.push(
    await server('scirocco', {
      store: url,
      ...(preload ? { preload: preload.count, preloadNode: preload.node } : {}),
    }),
  );
  for (let n = 1; n < setup.instances; n++) servers.push(await server('scirocco', { store: url }));
  return servers;
}

/** Splits `total` into `parts` whole shares, the first ones one larger. */
const shares = (total: number, parts: number) =>
  Array.from({ length: parts }, (_, n) => Math.floor(total / parts) + (n < total % parts ? 1 : 0));

interface CpuMeter {
  /** Server and database CPU, in µs per message, since the meter was made. */
  read(messages: number): { server: number; database: number };
}

function cpuMeter(servers: readonly ServerProcess[], cluster: PostgresCluster | undefined): CpuMeter {
  const serverCpu = () => servers.reduce((sum, s) => sum + (cpuSeconds(s.pid) ?? Number.NaN), 0);
  const databaseCpu = () => (cluster ? (treeCpuSeconds(cluster.pid()) ?? Number.NaN) : 0);
  const server0 = serverCpu();
  const database0 = databaseCpu();
  return {
    read: (messages) => ({
      server: ((serverCpu() - server0) * 1e6) / messages,
      database: ((databaseCpu() - database0) * 1e6) / messages,
    }),
  };
}

interface Measured {
  rate: number;
  server: number;
  database: number;
}

/** Hand-written pull + ack loops, `consumers` in all, spread over the servers; `count` cycles. */
async function claimAndAck(
  servers: readonly ServerProcess[],
  node: string,
  consumers: number,
  count: number,
) {
  const perServer = shares(consumers, servers.length);
  const perCount = shares(count, servers.length);
  const started = process.hrtime.bigint();
  const results = await Promise.all(
    servers.map((s, n) =>
      worker<Timed>({
        kind: 'consume',
        url: s.url,
        node,
        count: perCount[n] ?? 0,
        concurrency: perServer[n] ?? 1,
        http: 'undici',
        library: false,
      }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const messages = results.reduce((sum, r) => sum + r.messages, 0);
  if (messages !== count) throw new Error(`claim + ack: ${String(messages)} of ${String(count)}`);
  return count / seconds;
}

/** `BENCH_STORES=sqlite` measures the memory store (the base of the ratios) and SQLite only. */
const ONLY = process.env.BENCH_STORES?.split(',');
/** `BENCH_STORE_TABLES=endToEnd` runs that table alone (of `cycles`, `endToEnd`, `flat`). */
const TABLES = process.env.BENCH_STORE_TABLES?.split(',');
const runs = (table: 'cycles' | 'endToEnd' | 'flat') => !TABLES || TABLES.includes(table);
const measured = (store: StoreKind) => store === 'memory' || !ONLY || ONLY.includes(store);

const SETUPS: readonly Setup[] = (
  [
    { store: 'memory', instances: 1 },
    { store: 'sqlite', instances: 1 },
    { store: 'postgres', instances: 1 },
    { store: 'postgres', instances: 3 },
  ] as const
).filter((setup) => measured(setup.store));

const label = (setup: Setup) =>
  setup.instances === 1 ? setup.store : `${setup.store}, ${String(setup.instances)} instances`;

/** Runs every store benchmark; gives the rows of its tables and the ratios to memory. */
export async function storeBenchmarks() {
  const directory = mkdtempSync(join(tmpdir(), 'scirocco-bench-'));
  const postgres = measured('postgres');
  const cluster = postgres ? await startPostgresCluster({ durable: true }) : undefined;
  try {
    const cycles = runs('cycles') ? await cycleTable(directory, cluster) : [];
    const endToEnd = runs('endToEnd') ? await endToEndTable(directory, cluster) : { rows: [], ratios: {} };
    cluster?.stop();
    // Filling PostgreSQL with a million messages, one insert each, waits for the disk a million
    // times: the claim's cost is measured on a cluster of its own with fsync off.
    const fast = postgres && runs('flat') ? await startPostgresCluster() : undefined;
    try {
      const flat = runs('flat') ? await flatTable(directory, fast) : { rows: [], stored: STORED };
      return { cycles, endToEnd, flat };
    } finally {
      fast?.stop();
    }
  } finally {
    try {
      cluster?.stop();
    } catch {
      // stopped already
    }
    rmSync(directory, { recursive: true, force: true });
  }
}

const cpuCells = (cpu: { server: Spread; database: Spread }, store: StoreKind) =>
  [round(cpu.server.median), store === 'postgres' ? round(cpu.database.median) : '—'] as const;

/** Claim + ack cycles per second, 1 and 8 consumers, on each setup. */
async function cycleTable(directory: string, cluster: PostgresCluster | undefined) {
  const rows: (string | number)[][] = [];
  const memoryRates: Record<number, number> = {};
  for (const setup of SETUPS) {
    for (const consumers of setup.instances === 1 ? [1, 8] : [8]) {
      const count = consumers === 1 ? 3_000 : 12_000;
      const runs: Measured[] = [];
      for (let run = 0; run < STORE_RUNS; run++) {
        const node = freshNode();
        const url = storeUrl(setup.store, directory, cluster);
        const servers = await serve(setup, url);
        await worker({
          kind: 'fill',
          url: servers[0]?.url ?? '',
          node,
          count,
          concurrency: 16,
          http: 'undici',
          library: false,
        });
        const meter = cpuMeter(servers, setup.store === 'postgres' ? cluster : undefined);
        const rate = await claimAndAck(servers, node, consumers, count);
        runs.push({ rate, ...meter.read(count) });
        for (const s of servers) s.stop();
        await forget(url);
      }
      const rate = spread(runs.map((r) => r.rate));
      if (setup.store === 'memory') memoryRates[consumers] = rate.median;
      const base = memoryRates[consumers] ?? Number.NaN;
      rows.push([
        label(setup),
        consumers,
        showSpread(rate),
        `${(rate.median / base).toFixed(2)}×`,
        ...cpuCells(
          { server: spread(runs.map((r) => r.server)), database: spread(runs.map((r) => r.database)) },
          setup.store,
        ),
      ]);
      log(`claim + ack, ${label(setup)}, ${String(consumers)} consumers: ${round(rate.median)}/s`);
    }
  }
  return rows;
}

const TARGETS: Partial<Record<StoreKind, number>> = { sqlite: 0.7, postgres: 0.5 };

/** Push → pull → ack with the library (undici, concurrency 8), producer and consumers together. */
async function endToEndTable(directory: string, cluster: PostgresCluster | undefined) {
  const rows: (string | number)[][] = [];
  const count = 20_000;
  let memory = Number.NaN;
  const ratios: Record<string, number> = {};
  for (const setup of SETUPS) {
    const runs: Measured[] = [];
    for (let run = 0; run < STORE_RUNS; run++) {
      const node = freshNode();
      const url = storeUrl(setup.store, directory, cluster);
      const servers = await serve(setup, url);
      const meter = cpuMeter(servers, setup.store === 'postgres' ? cluster : undefined);
      // BENCH_STORE_EXTENSIONS=1: the clients use the server's extensions (batches, long polls).
      const extensions = process.env.BENCH_STORE_EXTENSIONS === '1';
      const base = { node, http: 'undici' as const, library: true, interval: 5, extensions };
      const started = process.hrtime.bigint();
      const consuming = worker<Timed>({
        ...base,
        kind: 'e2e-consume',
        url: servers[0]?.url ?? '',
        urls: servers.map((one) => one.url),
        count,
        concurrency: 8,
      });
      await worker<Timed>({
        ...base,
        kind: 'e2e-produce',
        url: servers[0]?.url ?? '',
        count,
        concurrency: 8,
      });
      await consuming;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      runs.push({ rate: count / seconds, ...meter.read(count) });
      for (const s of servers) s.stop();
      await forget(url);
    }
    const rate = spread(runs.map((r) => r.rate));
    if (setup.store === 'memory') memory = rate.median;
    const ratio = rate.median / memory;
    ratios[label(setup)] = ratio;
    const target = TARGETS[setup.store];
    rows.push([
      label(setup),
      showSpread(rate),
      `${ratio.toFixed(2)}×`,
      target === undefined ? '—' : `≥ ${target.toFixed(1)}×: ${ratio >= target ? 'met' : 'missed'}`,
      ...cpuCells(
        { server: spread(runs.map((r) => r.server)), database: spread(runs.map((r) => r.database)) },
        setup.store,
      ),
    ]);
    log(`end to end, ${label(setup)}: ${round(rate.median)}/s (${ratio.toFixed(2)}× memory)`);
  }
  return { rows, ratios };
}

/** Claims + acks of each run of the flat table: the preload has them on top of its count. */
export const FLAT_CYCLES = 2_000;

/**
 * Claim + ack cycles per second with 1,000 to 1,000,000 messages waiting for the node: each size
 * is preloaded with `FLAT_CYCLES` more per run, which the runs take.
 */
async function flatTable(directory: string, cluster: PostgresCluster | undefined) {
  const rows: (string | number)[][] = [];
  for (const store of (['memory', 'sqlite', 'postgres'] as const).filter(measured)) {
    const rates: number[] = [];
    for (const stored of STORED) {
      const node = freshNode();
      const started = Date.now();
      const url = storeUrl(store, directory, cluster);
      const servers = await serve({ store, instances: 1 }, url, {
        count: stored + FLAT_CYCLES * STORE_RUNS,
        node,
      });
      log(
        `${store}: ${String(stored)} messages stored in ${String(Math.round((Date.now() - started) / 1000))} s`,
      );
      const measured: number[] = [];
      for (let run = 0; run < STORE_RUNS; run++)
        measured.push(await claimAndAck(servers, node, 8, FLAT_CYCLES));
      for (const s of servers) s.stop();
      await forget(url);
      rates.push(spread(measured).median);
      log(`claim + ack with ${String(stored)} stored, ${store}: ${round(spread(measured).median)}/s`);
    }
    const first = rates[0] ?? Number.NaN;
    const last = rates.at(-1) ?? Number.NaN;
    rows.push([store, ...rates.map(round), `${(last / first).toFixed(2)}×`]);
  }
  return { rows, stored: STORED };
}
