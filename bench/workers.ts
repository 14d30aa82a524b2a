// One client-side scenario in its own process: prints one JSON line with its result.
import { Agent as HttpAgent } from 'node:http';
import got from 'got';
import { lastValueFrom, merge, toArray } from 'rxjs';
import { Agent, request } from 'undici';
import { ackOnComplete, createClient, gotTransport, type Transport } from 'scirocco-rx';
import { undiciTransport } from 'scirocco-rx/undici';
import type { ClientTelemetry, TelemetryProcess } from 'scirocco-rx';

export interface Scenario {
  readonly kind: 'fill' | 'consume' | 'produce' | 'e2e-produce' | 'e2e-consume' | 'idle' | 'idle-requests';
  readonly url: string;
  readonly node: string;
  readonly count: number;
  readonly concurrency: number;
  readonly http: 'got' | 'undici';
  readonly library: boolean;
  readonly interval?: number;
  /** Servers to spread the library's consumer streams over (several instances on one store). */
  readonly urls?: readonly string[];
  /**
   * The library as a user writes it against this package's server: the extensions it discovers
   * (long polling, batches) and one `pull$` of `concurrency` in flight. Without it, the library
   * speaks the plain protocol (a plain client) with `concurrency` streams of one claim each.
   */
  readonly extensions?: boolean;
  /** With `extensions`: the consumer's `maxInFlight`, above `concurrency` (prefetch). */
  readonly maxInFlight?: number;
  /** For `idle`: how long the consumer's pulls may wait on the server; `false` polls. */
  readonly longPoll?: number | false;
  /** For `idle-requests`: how long the consumer stays idle, in milliseconds. */
  readonly idleMs?: number;
  /**
   * The library's client with telemetry: `hooks`, a telemetry that does nothing (what the
   * client's hook points cost); `api`, `openTelemetry()` with no SDK registered
   * (the API's no-op tracer and meter); `sdk`, with the SDK's providers exporting in batches to
   * an exporter that drops what it gets. Without it, no `telemetry` option.
   */
  readonly telemetry?: 'hooks' | 'api' | 'sdk';
}

const TOKEN = 'DEFAULT_TOKEN';
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

/**
 * The smallest request function of each HTTP library, as a hand-written loop would have it;
 * `text` also gives the body as text.
 */
function handClient(http: Scenario['http'], concurrency: number, text = false) {
  if (http === 'got') {
    const client = got.extend({
      agent: { http: new HttpAgent({ keepAlive: true, maxSockets: concurrency }) },
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
    });
    return async (method: string, url: string, headers: Record<string, string>, body?: string) => {
      const response = await client(url, { method: method as 'GET', headers, body, responseType: 'buffer' });
      return {
        status: response.statusCode,
        id: response.headers['scirocco-id'] as string | undefined,
        body: text ? response.body.toString() : undefined,
      };
    };
  }
  const dispatcher = new Agent({ connections: concurrency });
  return async (method: string, url: string, headers: Record<string, string>, body?: string) => {
    const response = await request(url, { dispatcher, method: method as 'GET', headers, body });
    const answer = text ? await response.body.text() : (await response.body.arrayBuffer(), undefined);
    return {
      status: response.statusCode,
      id: response.headers['scirocco-id'] as string | undefined,
      body: answer,
    };
  };
}

function transport(http: Scenario['http'], concurrency: number): Transport {
  return http === 'got'
    ? gotTransport({ maxSockets: concurrency })
    : undiciTransport({ connections: concurrency });
}

/** A transport that counts the requests it sends. */
function counted(inner: Transport): { transport: Transport; requests: () => number } {
  let requests = 0;
  return {
    transport: {
      request: (request) => {
        requests++;
        return inner.request(request);
      },
      close: () => inner.close?.(),
    },
    requests: () => requests,
  };
}

/** The client's `telemetry` option of a scenario (see {@link Scenario.telemetry}). */
async function telemetryOf(s: Scenario): Promise<{ telemetry?: ClientTelemetry }> {
  if (s.telemetry === undefined) return {};
  if (s.telemetry === 'hooks') {
    const run: TelemetryProcess = { run: (work) => work(), end: () => undefined };
    return { telemetry: { request: () => ({ end: () => undefined }), process: () => run } };
  }
  const { openTelemetry } = await import('scirocco-rx/opentelemetry');
  if (s.telemetry === 'api') return { telemetry: openTelemetry() };
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { MeterProvider, PeriodicExportingMetricReader, AggregationTemporality } =
    await import('@opentelemetry/sdk-metrics');
  const { ExportResultCode } = await import('@opentelemetry/core');
  const done = { code: ExportResultCode.SUCCESS };
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [
      new BatchSpanProcessor({
        export: (_spans, callback) => {
          callback(done);
        },
        shutdown: () => Promise.resolve(),
      }),
    ],
  });
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exportIntervalMillis: 1_000,
        exporter: {
          export: (_metrics, callback) => {
            callback(done);
          },
          shutdown: () => Promise.resolve(),
          forceFlush: () => Promise.resolve(),
          selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
        },
      }),
    ],
  });
  return { telemetry: openTelemetry({ tracerProvider, meterProvider }) };
}

async function handConsume(s: Scenario): Promise<number> {
  const send = handClient(s.http, s.concurrency);
  const headers = { Authorization: TOKEN, 'Scirocco-Node-Source': s.node };
  let handled = 0;
  let claiming = 0;
  const worker = async () => {
    // At most `count` claims: a queue may hold more than this run takes.
    while (claiming++ < s.count) {
      const pulled = await send('GET', `${s.url}/messageQueue`, headers);
      if (pulled.status === 204) return;
      await send('PATCH', `${s.url}/messageQueue/${pulled.id ?? ''}/ack`, headers);
      handled++;
    }
  };
  await Promise.all(Array.from({ length: s.concurrency }, worker));
  return handled;
}

async function libraryConsume(s: Scenario, onMessage?: (payload: unknown) => void): Promise<number> {
  // One client per server, the streams spread over them.
  const urls = s.urls ?? [s.url];
  const clients = urls.map((url) =>
    createClient({
      url,
      node: s.node,
      token: TOKEN,
      plain: s.extensions !== true,
      transport: transport(s.http, Math.ceil(s.concurrency / urls.length)),
      ...telemetry,
    }),
  );
  const ending = s.kind === 'consume' ? { stopWhenEmpty: true } : { maxMessages: s.count };
  // With the extensions, one pull$ claims batches up to its free slots; on the plain protocol,
  // one pull$ per slot: polls of one stream never overlap, so throughput comes from several.
  const streams = s.extensions
    ? clients.map((client) =>
        client.pull$({
          interval: s.interval ?? 20,
          ...(s.maxInFlight === undefined ? {} : { maxInFlight: s.maxInFlight }),
          ...ending,
        }),
      )
    : clients.flatMap((client, c) =>
        Array.from(
          {
            length: Math.floor(s.concurrency / clients.length) + (c < s.concurrency % clients.length ? 1 : 0),
          },
          () => client.pull$({ maxInFlight: 1, interval: s.interval ?? 20, ...ending }),
        ),
      );
  let handled = 0;
  const done = new Promise<void>((resolve, reject) => {
    const subscription = merge(...streams)
      .pipe(ackOnComplete((message) => onMessage?.(message.payload), { concurrency: s.concurrency }))
      .subscribe({
        next: (outcome) => {
          if (outcome.status === 'acked') handled++;
          if (handled >= s.count && s.kind !== 'consume') {
            subscription.unsubscribe();
            resolve();
          }
        },
        error: reject,
        complete: resolve,
      });
  });
  await done;
  for (const client of clients) client.close();
  return handled;
}

async function handProduce(s: Scenario): Promise<number> {
  const send = handClient(s.http, s.concurrency);
  const headers = {
    Authorization: TOKEN,
    'Scirocco-Node-Source': 'a1',
    'Scirocco-Node-Destination': s.node,
    'Content-Type': 'application/json',
  };
  let next = 0;
  const worker = async () => {
    while (next < s.count) {
      const n = next++;
      await send('POST', `${s.url}/messageQueue`, headers, JSON.stringify({ n, t: Date.now() }));
    }
  };
  await Promise.all(Array.from({ length: s.concurrency }, worker));
  return s.count;
}

/**
 * The hand-written consumer of the end-to-end run: `concurrency` loops of pull, then ack, waiting
 * `interval` after an empty pull, until `count` messages are handled.
 */
async function handConsumeLive(s: Scenario, latencies: number[]): Promise<number> {
  const send = handClient(s.http, s.concurrency, true);
  const headers = { Authorization: TOKEN, 'Scirocco-Node-Source': s.node };
  let handled = 0;
  const worker = async () => {
    while (handled < s.count) {
      const pulled = await send('GET', `${s.url}/messageQueue`, headers);
      if (pulled.status === 204) {
        await new Promise((resolve) => setTimeout(resolve, s.interval ?? 20));
        continue;
      }
      latencies.push(Date.now() - (JSON.parse(pulled.body ?? '{}') as { t: number }).t);
      await send('PATCH', `${s.url}/messageQueue/${pulled.id ?? ''}/ack`, headers);
      handled++;
    }
  };
  await Promise.all(Array.from({ length: s.concurrency }, worker));
  return handled;
}

async function libraryProduce(s: Scenario): Promise<number> {
  const client = createClient({
    url: s.url,
    node: 'a1',
    token: TOKEN,
    plain: s.extensions !== true,
    transport: transport(s.http, s.concurrency),
    ...telemetry,
  });
  async function* items() {
    for (let n = 0; n < s.count; n++) {
      yield { n, t: Date.now() };
      if (n % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const pushed = await lastValueFrom(
    client.pushFrom(items(), { to: s.node, concurrency: s.concurrency }).pipe(toArray()),
  );
  client.close();
  return pushed.length;
}

async function idle(s: Scenario): Promise<number[]> {
  const consumer = createClient({ url: s.url, node: s.node, token: TOKEN, transport: undiciTransport() });
  const producer = createClient({ url: s.url, node: 'a1', token: TOKEN, transport: undiciTransport() });
  const delays: number[] = [];
  let pushedAt = 0;
  let resolveOne: () => void = () => undefined;
  const subscription = consumer
    .pull$({ interval: s.interval ?? 500, longPoll: s.longPoll ?? false })
    .pipe(
      ackOnComplete(() => {
        delays.push(performance.now() - pushedAt);
        resolveOne();
      }),
    )
    .subscribe();
  for (let i = 0; i < s.count; i++) {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * (s.interval ?? 500)));
    const handled = new Promise<void>((resolve) => (resolveOne = resolve));
    pushedAt = performance.now();
    (await producer.push(s.node, { i })).unwrap();
    await handled;
  }
  subscription.unsubscribe();
  consumer.close();
  producer.close();
  return delays;
}

/** The requests an idle consumer sends over `idleMs`, the extensions' look-up included. */
async function idleRequests(s: Scenario): Promise<number> {
  const { transport: counting, requests } = counted(undiciTransport());
  const consumer = createClient({ url: s.url, node: s.node, token: TOKEN, transport: counting });
  const subscription = consumer
    .pull$({ interval: s.interval ?? 500, longPoll: s.longPoll ?? false })
    .pipe(ackOnComplete())
    .subscribe();
  await new Promise((resolve) => setTimeout(resolve, s.idleMs ?? 10_000));
  const sent = requests();
  subscription.unsubscribe();
  consumer.close();
  return sent;
}

/** The scenario's telemetry option, made before the clock starts: loading it is no message's cost. */
let telemetry: { telemetry?: ClientTelemetry } = {};

async function main(): Promise<void> {
  const s = JSON.parse(process.argv[2] ?? '{}') as Scenario;
  telemetry = await telemetryOf(s);
  const start = process.hrtime.bigint();
  const cpuAtStart = process.cpuUsage();
  let result: Record<string, unknown>;
  switch (s.kind) {
    case 'fill':
      result = { messages: await handProduce({ ...s, http: 'undici' }) };
      break;
    case 'consume':
      result = { messages: s.library ? await libraryConsume(s) : await handConsume(s) };
      break;
    case 'produce':
      result = { messages: s.library ? await libraryProduce(s) : await handProduce(s) };
      break;
    case 'e2e-produce':
      result = { messages: s.library ? await libraryProduce(s) : await handProduce(s) };
      break;
    case 'e2e-consume': {
      const latencies: number[] = [];
      const messages = s.library
        ? await libraryConsume(s, (payload) => latencies.push(Date.now() - (payload as { t: number }).t))
        : await handConsumeLive(s, latencies);
      result = { messages, latencies };
      break;
    }
    case 'idle':
      result = { delays: await idle(s) };
      break;
    case 'idle-requests':
      result = { requests: await idleRequests(s) };
      break;
  }
  result.seconds = seconds(start);
  const cpu = process.cpuUsage(cpuAtStart);
  result.cpuMicros = cpu.user + cpu.system;
  result.systemMicros = cpu.system;
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

await main();
