import { lastValueFrom, of, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../lib/create-client.js';
import { createMemoryStore } from '../../lib/server/memory-store.js';
import type { MessageStore } from '../../lib/server/message-store.js';
import { startServer, type RunningServer } from '../../lib/server/start-server.js';
import { nodeClient, send } from '../support/http.js';
import { manualClock } from '../support/server.js';
import { testStore } from '../support/test-store.js';

const FULL =
  'Node bb has 3 messages waiting, the most this server keeps for a node: push again once its consumers have taken some.';

describe('maxWaitingPerNode: a bound on the messages waiting for a node', () => {
  const servers: RunningServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  const serve = async (options: Parameters<typeof startServer>[0] = {}) => {
    const server = await startServer({ port: 0, ...testStore(), ...options });
    servers.push(server);
    return server;
  };

  it('answers 507 past the bound, for that node only, and takes pushes again once a claim frees room', async () => {
    const clock = manualClock();
    const server = await serve({ maxWaitingPerNode: 3, clock: clock.now });
    expect((await send(server.url)).headers['scirocco-extensions']).toBe(
      'nack, max-waiting=3, batch-pull=100, long-poll=20000, batch-ack=100, batch-push=100, batch-push-kb=1024, summary, trace-context',
    );
    const a = nodeClient(server.url, 'aa');
    const b = nodeClient(server.url, 'bb');
    expect((await a.push('bb', 'm0')).status).toBe(201);
    // A scheduled message waits too.
    expect(
      (await a.push('bb', 'm1', { 'Scirocco-Scheduled-Time': new Date(clock.now() + 60_000).toISOString() }))
        .status,
    ).toBe(201);
    expect((await a.push('bb', 'm2')).status).toBe(201);
    const refused = await a.push('bb', 'm3');
    expect([refused.status, refused.json(), refused.headers['retry-after']]).toEqual([
      507,
      { message: FULL },
      '1',
    ]);
    expect((await a.push('cc', 'elsewhere')).status).toBe(201);
    expect((await b.pull()).status).toBe(200); // m0: processing, no longer waiting
    clock.advance(60); // a full node is counted again after 50 ms
    expect((await a.push('bb', 'm3')).status).toBe(201);
    expect((await a.push('bb', 'm4')).status).toBe(507);
    const listed = (await b.list()).json<{ status: string }[]>();
    expect(listed.filter((m) => m.status !== 'processing')).toHaveLength(3);
  });

  it('never lets one server past the bound, however many pushes come at once', async () => {
    const server = await serve({ maxWaitingPerNode: 10 });
    const a = nodeClient(server.url, 'aa');
    const answers = await Promise.all(Array.from({ length: 40 }, (_, n) => a.push('bb', `m${String(n)}`)));
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(10);
    expect(answers.filter((answer) => answer.status === 507)).toHaveLength(30);
  });

  it('counts the pushes whose inserts are still under way: a slow store does not let a node past the bound', async () => {
    const inner = createMemoryStore();
    // Inserts that take longer than the 50 ms after which a full node is counted again.
    const slow: MessageStore = {
      ...inner,
      insert: async (message) => {
        await new Promise((resolve) => setTimeout(resolve, 200));
        await inner.insert(message);
      },
    };
    const server = await serve({ store: slow, maxWaitingPerNode: 5 });
    const a = nodeClient(server.url, 'aa');
    const first = Array.from({ length: 5 }, (_, n) => a.push('bb', `m${String(n)}`));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the first five still inserting
    const second = await Promise.all(Array.from({ length: 5 }, (_, n) => a.push('bb', `n${String(n)}`)));
    expect((await Promise.all(first)).map((answer) => answer.status)).toEqual([201, 201, 201, 201, 201]);
    expect(second.map((answer) => answer.status)).toEqual([507, 507, 507, 507, 507]);
  });

  it('gives the client a retryable queue-full error, that pushFrom retries until consumers free room', async () => {
    const server = await serve({ maxWaitingPerNode: 2 });
    const producer = createClient({ url: server.url, node: 'aa', token: 'DEFAULT_TOKEN' });
    const consumer = createClient({ url: server.url, node: 'bb', token: 'DEFAULT_TOKEN' });
    try {
      for (const n of [0, 1]) (await producer.push('bb', { n })).unwrap();
      const refused = await producer.push('bb', { n: 2 });
      expect(refused.isErr() && refused.error).toMatchObject({
        kind: 'queue-full',
        status: 507,
        retryable: true,
        message: `push POST /messageQueue: 507 ${FULL.replace('3', '2')}`,
      });
      const pushed = lastValueFrom(
        producer
          .pushFrom(of({ n: 2 }, { n: 3 }), { to: 'bb', backoff: { initial: 60, jitter: 0 } })
          .pipe(toArray()),
      );
      const taken: unknown[] = [];
      while (taken.length < 4) {
        const next = (await consumer.pull()).unwrap();
        if (next.isSome()) {
          taken.push(next.value.payload);
          (await consumer.ack(next.value.metadata.id)).unwrap();
        } else await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await pushed).toHaveLength(2);
      expect(taken).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }]);
    } finally {
      producer.close();
      consumer.close();
    }
  });

  it('refuses a bound that is not a positive whole number, or on a store that cannot count', async () => {
    await expect(startServer({ maxWaitingPerNode: 0 })).rejects.toThrow(
      new RangeError('maxWaitingPerNode must be a positive whole number, got 0'),
    );
    // A store of its own without countWaiting.
    const inner = createMemoryStore();
    const store: MessageStore = { ...inner, countWaiting: undefined };
    await expect(startServer({ store, maxWaitingPerNode: 5 })).rejects.toThrow(
      new RangeError('maxWaitingPerNode needs a store that offers countWaiting'),
    );
  });
});
