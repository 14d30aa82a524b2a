import { setTimeout as sleep } from 'node:timers/promises';
import { lastValueFrom, Subject, tap, timer, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../lib/create-client.js';
import { ackOnComplete } from '../../lib/rx/ack-on-complete.js';
import type { FlowEvent } from '../../lib/rx/flow-event.js';
import type { SciroccoClient } from '../../lib/rx/scirocco-client.js';
import { createMemoryStore } from '../../lib/server/memory-store.js';
import type { MessageStore } from '../../lib/server/message-store.js';
import { startServer, type RunningServer } from '../../lib/server/start-server.js';
import { useLoggedServers } from '../support/logged-server.js';

/** A memory store that counts claims and acks, and can slow claims down or fail inserts. */
function countingStore(options: { claimDelayMs?: number; failInserts?: number } = {}) {
  const inner = createMemoryStore();
  const acks = new Map<string, number>();
  let processing = 0;
  let maxProcessing = 0;
  let failures = options.failInserts ?? 0;
  let claiming = 0;
  const store: MessageStore = {
    ...inner,
    insert: (message) => (failures-- > 0 ? Promise.reject(new Error('disk full')) : inner.insert(message)),
    claimNextDue: async (destination, now) => {
      claiming++;
      if (options.claimDelayMs) await sleep(options.claimDelayMs);
      const claimed = await inner.claimNextDue(destination, now);
      if (claimed) maxProcessing = Math.max(maxProcessing, ++processing);
      return claimed;
    },
    claimDue: async (destination, now, max) => {
      claiming++;
      if (options.claimDelayMs) await sleep(options.claimDelayMs);
      const claimed = (await inner.claimDue?.(destination, now, max)) ?? [];
      processing += claimed.length;
      maxProcessing = Math.max(maxProcessing, processing);
      return claimed;
    },
    ack: async (id, destination, now) => {
      const acked = await inner.ack(id, destination, now);
      if (acked) {
        processing--;
        acks.set(id, (acks.get(id) ?? 0) + 1);
      }
      return acked;
    },
  };
  return {
    store,
    acks,
    get maxProcessing() {
      return maxProcessing;
    },
    /** Claims the server has begun. */
    get claiming() {
      return claiming;
    },
  };
}

/** Waits until `done` holds, polling; fails after 5 s. */
async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 10) {
    if (waited > 5_000) throw new Error('timed out');
    await sleep(10);
  }
}

const servers: RunningServer[] = [];
const clients: SciroccoClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function setup(options: Parameters<typeof countingStore>[0] & { plain?: boolean } = {}) {
  const counting = countingStore(options);
  const server = await startServer({ store: counting.store, plain: options.plain ?? false });
  servers.push(server);
  const client = (node: string) => {
    const made = createClient({ url: server.url, node, token: 'DEFAULT_TOKEN' });
    clients.push(made);
    return made;
  };
  return { counting, client };
}

describe('flows over HTTP against the server', () => {
  it('pull$ + ackOnComplete with concurrency 3: every message acked once, never more than 3 processing', async () => {
    const { counting, client } = await setup();
    const producer = client('aa');
    for (let n = 0; n < 30; n++) (await producer.push('bb', { n })).unwrap();
    const outcomes = await lastValueFrom(
      client('bb')
        .pull$<{ n: number }>({ stopWhenEmpty: true })
        .pipe(
          ackOnComplete(() => timer(5), { concurrency: 3 }),
          toArray(),
        ),
    );
    expect(outcomes.filter((o) => o.status === 'acked')).toHaveLength(30);
    expect(counting.maxProcessing).toBe(3);
    expect([...counting.acks.values()].every((count) => count === 1)).toBe(true);
  });

  it('requeues and dead-letters failed messages with push + ack', async () => {
    const { client } = await setup();
    const producer = client('aa');
    (await producer.push('bb', { poison: true })).unwrap();
    (await producer.push('bb', { poison: false })).unwrap();
    const consumer = client('bb');
    const outcomes = await lastValueFrom(
      consumer.pull$<{ poison: boolean }>({ maxMessages: 2 }).pipe(
        ackOnComplete((m) => (m.payload.poison ? Promise.reject(new Error('poison')) : 'ok'), {
          onError: { deadLetter: 'dead' },
        }),
        toArray(),
      ),
    );
    expect(outcomes.map((o) => (o.status === 'acked' ? 'acked' : o.disposition))).toEqual([
      'dead-lettered',
      'acked',
    ]);
    const dead = (await client('dead').pull<{ poison: boolean }>()).unwrap().unwrap();
    expect(dead.payload).toEqual({ poison: true });
    expect(dead.metadata.nodeSource).toBe('bb');
    const statuses = (await consumer.list())
      .unwrap()
      .map((m) => `${m.metadata.nodeDestination}:${m.metadata.status}`);
    expect(statuses).toEqual(['bb:processed', 'bb:processed', 'dead:processing']);
  });

  it('maxAttempts holds across consumers where the server has nack: the server counts the tries', async () => {
    const server = await startServer({ port: 0, processingTimeoutMs: 100 });
    servers.push(server);
    const client = (node: string) => {
      const made = createClient({ url: server.url, node, token: 'DEFAULT_TOKEN' });
      clients.push(made);
      return made;
    };
    (await client('aa').push('bb', { poison: true })).unwrap();
    const deliveries: { consumer: string; tries: number }[] = [];
    const stop = new Subject<void>();
    // A consumer that crashes on the message (leaves it processing): the processing timeout
    // gives it back, its try counted; two consumers that fail on it and requeue it.
    const crashing = client('bb')
      .consume<{ poison: boolean }>(
        (m) => {
          deliveries.push({ consumer: 'crashing', tries: m.metadata.tries });
          throw new Error('crash');
        },
        { onError: 'leave', maxMessages: 1, interval: 10 },
      )
      .subscribe();
    await until(() => deliveries.length === 1);
    crashing.unsubscribe();
    const outcomes: string[] = [];
    const consumers = ['one', 'two'].map((name) =>
      lastValueFrom(
        client('bb')
          .consume<{ poison: boolean }>(
            (m) => {
              deliveries.push({ consumer: name, tries: m.metadata.tries });
              throw new Error('poison');
            },
            {
              onError: 'requeue',
              maxAttempts: 3,
              deadLetter: 'dead',
              requeueDelay: { initial: 0 },
              interval: 10,
              stop,
            },
          )
          .pipe(
            tap((o) =>
              outcomes.push(o.status === 'failed' ? `${o.disposition} ${String(o.attempts)}` : 'acked'),
            ),
          ),
        { defaultValue: undefined },
      ),
    );
    await until(() => outcomes.includes('dead-lettered 3'));
    stop.next();
    await Promise.all(consumers);
    // Three deliveries in all, whichever consumer got each: the crash, then two failures.
    expect(deliveries.map((d) => d.tries)).toEqual([1, 2, 3]);
    expect(outcomes.sort()).toEqual(['dead-lettered 3', 'requeued 2']);
    const dead = (await client('dead').list()).unwrap();
    expect(dead.map((m) => m.payload)).toEqual([{ poison: true }]);
  });

  it('stops gracefully on an AbortSignal: handlers in flight finish and ack, then the stream completes', async () => {
    const { client } = await setup();
    const producer = client('aa');
    for (let n = 0; n < 10; n++) (await producer.push('bb', { n })).unwrap();
    const consumer = client('bb');
    const shutdown = new AbortController();
    const outcomes = await lastValueFrom(
      consumer.pull$<{ n: number }>({ stop: shutdown.signal }).pipe(
        ackOnComplete(
          (m) => {
            if (m.payload.n === 2) shutdown.abort();
            return timer(20);
          },
          { concurrency: 2 },
        ),
        toArray(),
      ),
    );
    expect(outcomes.every((o) => o.status === 'acked')).toBe(true);
    const statuses = (await consumer.list()).unwrap().map((m) => m.metadata.status);
    expect(statuses.filter((s) => s === 'processing')).toEqual([]);
    expect(statuses.filter((s) => s === 'processed')).toHaveLength(outcomes.length);
    expect(statuses.filter((s) => s === 'pending').length).toBeGreaterThan(0);
  });

  it.each([
    ['nacks it back, on a server with nack', false, [['pending', { n: 1 }, 1]]],
    [
      'pushes a copy and acks it, on a plain server',
      true,
      [
        ['processed', { n: 1 }, 1],
        ['pending', { n: 1 }, 0],
      ],
    ],
  ] as const)(
    'requeues the message of a pull in flight when the subscriber unsubscribed: %s',
    async (_, plain, left) => {
      const { client, counting } = await setup({ claimDelayMs: 100, plain });
      const producer = client('aa');
      (await producer.push('bb', { n: 1 })).unwrap();
      const consumer = client('bb');
      const events: FlowEvent[] = [];
      const subscription = consumer.pull$({ onEvent: (e) => events.push(e) }).subscribe();
      // Unsubscribe once the server is claiming for the pull, not after a guessed time.
      for (let waited = 0; waited < 2_000 && counting.claiming === 0; waited += 5) await sleep(5);
      expect(counting.claiming).toBe(1);
      subscription.unsubscribe();
      for (let waited = 0; waited < 2_000 && events.length < 2; waited += 20) await sleep(20);
      expect(events.map((e) => e.type)).toEqual(['pulled', 'handed-back']);
      const all = (await consumer.list()).unwrap();
      expect(all.map((m) => [m.metadata.status, m.payload, m.metadata.tries])).toEqual(left);
    },
  );

  it('pushFrom retries a push the server failed (500), and keeps the order', async () => {
    const { client } = await setup({ failInserts: 1 });
    const producer = client('aa');
    const events: FlowEvent[] = [];
    const pushed = await lastValueFrom(
      producer
        .pushFrom(['first', 'second', 'third'], {
          to: 'bb',
          backoff: { initial: 10 },
          onEvent: (e) => events.push(e),
        })
        .pipe(toArray()),
    );
    expect(pushed.map((m) => m.payload)).toEqual(['first', 'second', 'third']);
    expect(events.map((e) => e.type)).toEqual(['backing-off', 'pushed', 'pushed', 'pushed']);
  });

  it('soak: 20,000 messages through pushFrom while 4 pull$ + ackOnComplete consumers drain them, each acked exactly once', async () => {
    const { counting, client } = await setup();
    const total = 20_000;
    const stop = new Subject<void>();
    let acked = 0;
    const consumers = Array.from({ length: 4 }, () =>
      lastValueFrom(
        client('cafe')
          .pull$({ interval: 20, stop })
          .pipe(
            ackOnComplete(undefined, { concurrency: 4 }),
            tap((outcome) => {
              if (outcome.status === 'acked' && ++acked === total) stop.next();
            }),
            toArray(),
          ),
      ),
    );
    const items = (async function* () {
      for (let n = 0; n < total; n++) {
        if (n % 1000 === 0) await sleep(0);
        yield { n };
      }
    })();
    const pushed = await lastValueFrom(
      client('aa').pushFrom(items, { to: 'cafe', concurrency: 8 }).pipe(toArray()),
    );
    const outcomes = (await Promise.all(consumers)).flat();
    expect(pushed).toHaveLength(total);
    expect(outcomes).toHaveLength(total);
    expect(outcomes.every((o) => o.status === 'acked')).toBe(true);
    expect(counting.acks.size).toBe(total);
    expect([...counting.acks.values()].every((count) => count === 1)).toBe(true);
    const stored = await counting.store.list('cafe', total + 1);
    expect(stored).toHaveLength(total);
    expect(stored.filter((m) => m.status !== 'processed')).toEqual([]);
    expect(new Set(outcomes.map((o) => (o.message.payload as { n: number }).n)).size).toBe(total);
  }, 120_000);
});

describe('pull$ over HTTP with long polling, on every store', () => {
  const serve = useLoggedServers();
  /** A server of the project's store whose request log the test reads, and a client maker. */
  async function served(options: { maxPullWaitMs?: number } = {}) {
    const { lines, client } = await serve(options);
    const waits = () => lines.filter((line) => line.method === 'GET' && line.path.includes('wait='));
    return { lines, client, waits };
  }

  it('an idle consumer sends one pull per wait, not one per interval', async () => {
    const { client, waits } = await served({ maxPullWaitMs: 200 });
    const started = performance.now();
    const subscription = client('bb')
      .consume(() => undefined, { interval: 10 })
      .subscribe();
    await until(() => waits().length >= 4);
    // Four waits of 200 ms answered (logged as answered); polling every 10 ms would take 40 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(4 * 200 - 5);
    subscription.unsubscribe();
  });

  it('a message pushed while the consumer waits reaches its handler long before the wait is over', async () => {
    const { client, waits } = await served(); // waits of 20 s
    const handled: unknown[] = [];
    // An interval of a minute: only a push that wakes the waiting pull brings the message in time.
    const subscription = client('bb')
      .consume((message) => void handled.push(message.payload), { interval: 60_000 })
      .subscribe();
    await sleep(300); // the first pull waits
    (await client('aa').push('bb', 'hello')).unwrap();
    await until(() => handled.length === 1); // at most 5 s, a quarter of the wait
    expect(handled).toEqual(['hello']);
    // The waiting pull brought it (it is logged once answered).
    expect(waits().map((line) => line.status)).toEqual([200]);
    subscription.unsubscribe();
  });

  it('a stop ends the wait it meets at once: the stream completes, nothing is claimed for it', async () => {
    const { lines, client } = await served();
    const consumer = client('bb');
    const stop = new Subject<void>();
    const events: FlowEvent[] = [];
    const done = lastValueFrom(
      consumer.consume(() => undefined, { stop, onEvent: (event) => events.push(event) }),
      { defaultValue: undefined },
    );
    await sleep(200);
    const stoppedAt = performance.now();
    stop.next();
    await done;
    expect(performance.now() - stoppedAt).toBeLessThan(5_000); // the wait was 20 s
    expect(lines.filter((line) => line.method === 'DELETE').map((line) => line.status)).toEqual([204]);
    (await client('aa').push('bb', 'after')).unwrap();
    const left = (await consumer.list()).unwrap();
    expect(left.map((message) => [message.payload, message.metadata.status])).toEqual([['after', 'pending']]);
    expect(events.filter((event) => event.type === 'pulled')).toEqual([]);
  });
});
