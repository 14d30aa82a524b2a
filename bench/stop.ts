// Stop latency and the ledger, in a process of its own: how long a graceful stop takes in each
// state of a consumer (idle, backing off, a pull in flight, handlers to drain), and the ledger of
// a consumer stopped and started again at random moments. Prints one JSON line.
import { setTimeout as sleep } from 'node:timers/promises';
import { firstValueFrom, lastValueFrom, Subject, filter } from 'rxjs';
import {
  createClient,
  flowLedger,
  type ConsumeOptions,
  type FlowEvent,
  type LedgerCounts,
} from 'scirocco-rx';
import { createMemoryStore, startServer, type MessageStore } from 'scirocco-rx/server';

const TOKEN = 'DEFAULT_TOKEN';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** A store whose claims take `ms`: a pull stays in flight that long. */
function slowClaims(ms: number): MessageStore {
  const store = createMemoryStore();
  return {
    ...store,
    claimNextDue: async (destination, now) => {
      await sleep(ms);
      return store.claimNextDue(destination, now);
    },
  };
}

/**
 * Starts a consumer, waits until `ready` says it is in the state to measure, stops it, and gives
 * the milliseconds from the stop to the stream's completion.
 */
async function stopLatency(
  url: string,
  options: ConsumeOptions,
  handler: () => unknown,
  ready: (events: FlowEvent[]) => boolean,
  settle = 0,
): Promise<number> {
  const client = createClient({ url, node: 'bb', token: TOKEN });
  const events: FlowEvent[] = [];
  const seen = new Subject<void>();
  const stop = new Subject<void>();
  const done = lastValueFrom(
    client.consume(handler, {
      ...options,
      stop,
      onEvent: (event) => {
        events.push(event);
        seen.next();
      },
    }),
    { defaultValue: undefined },
  );
  if (!ready(events)) await firstValueFrom(seen.pipe(filter(() => ready(events))));
  await sleep(settle);
  const start = performance.now();
  stop.next();
  await done;
  const ms = performance.now() - start;
  client.close();
  return ms;
}

async function states() {
  const result: Record<string, number[]> = { idle: [], backingOff: [], pullInFlight: [], draining: [] };
  const plain = await startServer({ port: 0 });
  const slow = await startServer({ port: 0, store: slowClaims(300) });
  const down = await startServer({ port: 0 });
  const downUrl = down.url;
  await down.close();
  for (let run = 0; run < RUNS; run++) {
    // Idle: the last poll found nothing; waiting out the interval.
    result.idle?.push(
      await stopLatency(
        plain.url,
        { interval: 5_000 },
        () => 'done',
        (e) => e.some((x) => x.type === 'empty'),
        50,
      ),
    );
    // Backing off: the server is down, the third delay (about 2 s with the defaults) has begun.
    result.backingOff?.push(
      await stopLatency(
        downUrl,
        {},
        () => 'done',
        (e) => e.filter((x) => x.type === 'backing-off').length >= 3,
        20,
      ),
    );
    // A pull in flight: the server takes 300 ms to answer; the stop comes 50 ms in.
    result.pullInFlight?.push(
      await stopLatency(
        slow.url,
        { interval: 1 },
        () => 'done',
        (e) => e.some((x) => x.type === 'empty'),
        51,
      ),
    );
    // Handlers to drain: 4 handlers of 10 s, drainTimeout 500 ms; their messages handed back.
    const producer = createClient({ url: plain.url, node: 'aa', token: TOKEN });
    for (let n = 0; n < 4; n++) (await producer.push('bb', { n })).unwrap();
    producer.close();
    result.draining?.push(
      await stopLatency(
        plain.url,
        { concurrency: 4, drainTimeout: 500 },
        () => sleep(10_000),
        (e) => e.filter((x) => x.type === 'pulled').length >= 4,
      ),
    );
  }
  await plain.close();
  await slow.close();
  return result;
}

/** 2,000 messages, 8 handlers, stopped abruptly or gracefully 20 times, then drained. */
async function ledgerRun(): Promise<LedgerCounts & { serverProcessing: number; stops: number }> {
  const store = createMemoryStore();
  const server = await startServer({ port: 0, store });
  const producer = createClient({ url: server.url, node: 'aa', token: TOKEN });
  const consumer = createClient({ url: server.url, node: 'bb', token: TOKEN });
  for (let n = 0; n < 2_000; n++) (await producer.push('bb', { n })).unwrap();
  const ledger = flowLedger();
  let state = 7;
  const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const stops = 20;
  for (let round = 0; round < stops; round++) {
    const stop = new Subject<void>();
    const subscription = consumer
      .consume(() => sleep(Math.floor(random() * 5)), {
        concurrency: 8,
        stop,
        drainTimeout: 3,
        onEvent: ledger.record,
      })
      .subscribe();
    await sleep(20 + Math.floor(random() * 80));
    if (random() < 0.5) subscription.unsubscribe();
    else stop.next();
    while (ledger.counts().inFlight > 0) await sleep(5);
    subscription.unsubscribe();
  }
  await lastValueFrom(
    consumer.consume(() => 'done', { concurrency: 8, stopWhenEmpty: true, onEvent: ledger.record }),
    {
      defaultValue: undefined,
    },
  );
  // From the store itself: the server lists at most 100.
  const all = await store.list('bb', Number.MAX_SAFE_INTEGER);
  const serverProcessing = all.filter((message) => message.status === 'processing').length;
  producer.close();
  consumer.close();
  await server.close();
  return { ...ledger.counts(), serverProcessing, stops };
}

const latency = await states();
const ledger = await ledgerRun();
process.stdout.write(`${JSON.stringify({ latency, ledger })}\n`);
process.exit(0);
