import { setTimeout as sleep } from 'node:timers/promises';
import { lastValueFrom, map, Subject, timer } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../lib/create-client.js';
import type { SciroccoClient } from '../../lib/rx/scirocco-client.js';
import { createMemoryStore } from '../../lib/server/memory-store.js';
import { startServer, type RunningServer } from '../../lib/server/start-server.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { checkedLedger } from '../support/ledger-check.js';
import { until } from '../support/until.js';

/**
 * Faults over real HTTP, each asserting the ledger: every claimed message ends in exactly one
 * reported outcome, and what the server still has `processing` is what the flow reported as
 * possibly or really stranded.
 */

interface Reading {
  readonly n: number;
}

const TOKEN = 'DEFAULT_TOKEN';
const running: { close(): Promise<void> }[] = [];
const clients: SciroccoClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const closable of running.splice(0).reverse()) await closable.close();
});

async function serve(options: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  const server = await startServer({ port: 0, ...options });
  running.push(server);
  return server;
}

function client(url: string, node: string, timeout?: number): SciroccoClient {
  const made = createClient({ url, node, token: TOKEN, ...(timeout === undefined ? {} : { timeout }) });
  clients.push(made);
  return made;
}

async function statuses(consumer: SciroccoClient): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const message of (await consumer.list({ limit: 100 })).unwrap()) {
    const status = message.metadata.status;
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  return counts;
}

/** Numbers in [0, 1) from a seed: the same moments on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('fault flows over HTTP', () => {
  // A long poll's timeout grows by its wait: a stall counts as lost only past both. Batches
  // (without a wait) lose as many messages as a stalled answer held: the server counts them.
  it.each([
    ['the plain protocol', { plain: true }, {}],
    ['batch pulls', {}, { longPoll: false as const }],
  ])(
    'a server that stalls past the client timeout (%s): each lost answer is counted, nothing else is left',
    async (_, clientOptions, pullOptions) => {
      const server = await serve();
      const proxy: FaultProxy = await startFaultProxy(server.url);
      running.push(proxy);
      const producer = client(server.url, 'aa');
      for (let n = 0; n < 20; n++) (await producer.push('bb', { n })).unwrap();
      const consumer = createClient({
        url: proxy.url,
        node: 'bb',
        token: TOKEN,
        timeout: 300,
        ...clientOptions,
      });
      clients.push(consumer);
      const ledger = checkedLedger(2);
      proxy.stallPulls(4, 700);
      const stop = new Subject<void>();
      const done = lastValueFrom(
        consumer.consume<Reading>(() => sleep(2), {
          ...pullOptions,
          concurrency: 2,
          stop,
          backoff: { initial: 20, max: 100 },
          onEvent: ledger.record,
        }),
        { defaultValue: undefined },
      );
      const observer = client(server.url, 'bb');
      await until(async () => {
        const counts = ledger.counts();
        const left = await statuses(observer);
        return counts.possiblyStranded === 4 && counts.inFlight === 0 && !left.has('pending');
      }, 'every message acked or lost');
      stop.next();
      await done;

      expect(proxy.stalled).toBe(4);
      expect(ledger.violations).toEqual([]);
      const counts = ledger.counts();
      expect(counts).toMatchObject({ acked: counts.claimed, inFlight: 0, possiblyStranded: 4 });
      // The messages claimed for pulls whose answers never came: processing, and no more.
      const left = Object.fromEntries(await statuses(observer));
      expect(left).toEqual({ processed: counts.acked, processing: 20 - counts.acked });
      if ('plain' in clientOptions) expect(counts.acked).toBe(16);
      else expect(counts.acked).toBeGreaterThanOrEqual(12);
    },
  );

  it('a server killed and restarted mid-stream: the flow backs off, resumes, and every message ends once', async () => {
    const store = createMemoryStore();
    // The same messages across the restart: the kill closes connections, not the store.
    // Claims take a while, so that the kill cuts a pull the server is still claiming for.
    const kept = {
      ...store,
      claimNextDue: async (...args: Parameters<typeof store.claimNextDue>) => {
        await sleep(30);
        return store.claimNextDue(...args);
      },
      close: async () => {},
    };
    const first = await startServer({ port: 0, store: kept, closeGraceMs: 0 });
    const { port, url } = first;
    const producer = client(url, 'aa');
    for (let n = 0; n < 40; n++) (await producer.push('bb', { n })).unwrap();
    const consumer = client(url, 'bb', 1_000);
    const ledger = checkedLedger(4);
    let backoffs = 0;
    let copied = 0;
    const stop = new Subject<void>();
    const done = lastValueFrom(
      consumer.consume<Reading>(() => sleep(5), {
        concurrency: 4,
        stop,
        interval: 20,
        backoff: { initial: 50, max: 200 },
        onEvent: (event) => {
          ledger.record(event);
          if (event.type === 'backing-off') backoffs++;
          if (
            (event.type === 'requeued' || event.type === 'handed-back') &&
            event.copy.id !== event.message.id
          ) {
            copied++;
          }
        },
      }),
      { defaultValue: undefined },
    );
    await until(() => ledger.counts().acked >= 10, '10 acked');
    await first.close();
    await sleep(300);
    running.push(await startServer({ port, store: kept }));
    const checker = client(url, 'bb');
    await until(
      async () => ledger.counts().inFlight === 0 && !(await statuses(checker)).has('pending'),
      'every message claimed and settled',
    );
    stop.next();
    await done;

    expect(backoffs).toBeGreaterThan(0); // the flow met the dead server
    expect(ledger.violations).toEqual([]);
    const counts = ledger.counts();
    expect(counts.inFlight).toBe(0);
    const left = await statuses(checker);
    // Nothing processing that the flow did not report: a pull cut with the connections may have
    // claimed a message (possibly-stranded), and only that.
    expect(left.get('processing') ?? 0).toBeLessThanOrEqual(counts.possiblyStranded);
    // Every settled message is processed on the server: acked, or acked after its copy was pushed
    // (a message nacked back is acked later, once).
    expect(left.get('processed')).toBe(counts.acked + copied);
  });

  it('abrupt and graceful stops at random moments leave nothing processing unreported', async () => {
    const server = await serve();
    const producer = client(server.url, 'aa');
    const consumer = client(server.url, 'bb');
    const random = seeded(12);
    // The whole run's ledger, and one per consumer for its in-flight limit: a pull that was under
    // way when its consumer stopped may still bring a message, handed back, after the next
    // consumer started; each stream keeps its own limit.
    const ledger = checkedLedger();
    const rounds: ReturnType<typeof checkedLedger>[] = [];
    for (let round = 0; round < 12; round++) {
      for (let n = 0; n < 6; n++) (await producer.push('bb', { n: round * 6 + n })).unwrap();
      const stop = new Subject<void>();
      const observable = random() < 0.5;
      const mine = checkedLedger(3);
      rounds.push(mine);
      const subscription = consumer
        .consume<Reading>(
          (_message, { signal }) =>
            observable
              ? timer(Math.floor(random() * 30)).pipe(map(() => 'done'))
              : sleep(Math.floor(random() * 30), 'done', { signal }),
          {
            concurrency: 3,
            stop,
            drainTimeout: 20,
            interval: 5,
            onEvent: (event) => {
              ledger.record(event);
              mine.record(event);
            },
          },
        )
        .subscribe();
      await sleep(Math.floor(random() * 40));
      if (random() < 0.5) subscription.unsubscribe();
      else stop.next();
      await until(() => mine.counts().inFlight === 0, `round ${String(round)} settled`);
      subscription.unsubscribe();
    }
    // Whatever the stops left pending, a last consumer takes.
    await lastValueFrom(
      consumer.consume(() => 'done', { stopWhenEmpty: true, onEvent: ledger.record }),
      {
        defaultValue: undefined,
      },
    );

    expect(ledger.violations).toEqual([]);
    expect(rounds.flatMap((round) => round.violations)).toEqual([]);
    await until(() => ledger.counts().inFlight === 0, 'every late hand-back settled');
    const counts = ledger.counts();
    expect(counts).toMatchObject({ inFlight: 0, stranded: 0, released: 0, possiblyStranded: 0 });
    const left = await statuses(consumer);
    expect(left.get('processing')).toBeUndefined();
    expect(left.get('pending')).toBeUndefined();
    // 72 pushed; each hand-back nacked a message back, which was claimed again and acked.
    expect(counts.acked).toBe(72);
    expect(counts.claimed).toBe(72 + counts.handedBack);
  });

  it('handler timeouts and poison messages end dead-lettered after maxAttempts, spaced, with their attempts', async () => {
    const server = await serve();
    const producer = client(server.url, 'aa');
    for (let n = 0; n < 6; n++) (await producer.push('bb', { n })).unwrap();
    const consumer = client(server.url, 'bb');
    const ledger = checkedLedger(3);
    const deliveries = new Map<number, number[]>();
    const outcomes: string[] = [];
    const stop = new Subject<void>();
    const done = lastValueFrom(
      consumer
        .consume<Reading>(
          (message, { signal }) => {
            const { n } = message.payload;
            deliveries.set(n, [...(deliveries.get(n) ?? []), Date.now()]);
            if (n === 0) throw new Error('poison'); // always fails
            if (n === 1) return sleep(10_000, 'late', { signal }); // always times out
            return 'done';
          },
          {
            concurrency: 3,
            stop,
            timeout: 50,
            onError: 'requeue',
            maxAttempts: 3,
            deadLetter: 'dead',
            requeueDelay: { initial: 100, jitter: 0 },
            interval: 10,
            onEvent: ledger.record,
          },
        )
        .pipe(
          map((outcome) => {
            const { n } = outcome.message.payload;
            const how =
              outcome.status === 'failed' ? `${outcome.disposition} ${String(outcome.attempts)}` : 'acked';
            outcomes.push(`${String(n)} ${how}`);
          }),
        ),
      { defaultValue: undefined },
    );
    await until(() => ledger.counts().deadLettered === 2 && ledger.counts().acked === 4, 'settled');
    stop.next();
    await done;

    expect(ledger.violations).toEqual([]);
    expect(ledger.counts()).toMatchObject({ inFlight: 0, requeued: 4, deadLettered: 2, acked: 4 });
    for (const n of [0, 1]) {
      expect(outcomes.filter((line) => line.startsWith(`${String(n)} `))).toEqual([
        `${String(n)} requeued 1`,
        `${String(n)} requeued 2`,
        `${String(n)} dead-lettered 3`,
      ]);
      // Each copy was due after its delay (100 ms, then 200 ms): no hot loop.
      const [first = 0, second = 0, third = 0] = deliveries.get(n) ?? [];
      expect(second - first).toBeGreaterThanOrEqual(95);
      expect(third - second).toBeGreaterThanOrEqual(195);
    }
    const dead = (await client(server.url, 'dead').list()).unwrap();
    expect(dead.map((m) => (m.payload as Reading).n).sort()).toEqual([0, 1]);
    // The server has nack: the 6 messages went back themselves, and are processed; the 2 dead
    // letters, pushed by this node, wait at 'dead'. Each poison message was delivered 3 times.
    expect(Object.fromEntries(await statuses(consumer))).toEqual({ processed: 6, pending: 2 });
    const poison = (await consumer.list())
      .unwrap()
      .filter((m) => m.metadata.nodeDestination === 'bb' && (m.payload as Reading).n < 2);
    expect(poison.map((m) => m.metadata.tries)).toEqual([3, 3]);
  });
});
