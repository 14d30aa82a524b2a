import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../lib/create-client.js';
import type { SciroccoClient } from '../../lib/rx/scirocco-client.js';
import { startServer, type RunningServer } from '../../lib/server/start-server.js';
import { nodeClient } from '../support/http.js';
import { freshPostgresUrl } from '../support/test-store.js';

const TOKEN = 'DEFAULT_TOKEN';
const servers: RunningServer[] = [];
const clients: SciroccoClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('3 server instances on one PostgreSQL database', () => {
  it('8 competing consumers claim each of 900 messages exactly once, and lose none', async () => {
    const store = freshPostgresUrl();
    for (let n = 0; n < 3; n++) servers.push(await startServer({ port: 0, store }));
    const client = (n: number, node: string) => {
      const made = createClient({ url: servers[n % 3]!.url, node, token: TOKEN });
      clients.push(made);
      return made;
    };
    // Producers on every instance, pushing while the consumers run.
    const pushed = new Set<string>();
    const producing = Promise.all(
      [0, 1, 2].map(async (n) => {
        const producer = client(n, 'aa');
        for (let i = 0; i < 300; i++) pushed.add((await producer.push('bb', { n, i })).unwrap().metadata.id);
      }),
    );
    const claimed: string[] = [];
    let produced = false;
    void producing.then(() => (produced = true));
    const consumers = Array.from({ length: 8 }, async (_, n) => {
      const consumer = client(n, 'bb');
      for (;;) {
        const pulled = (await consumer.pull()).unwrap();
        if (pulled.isNone()) {
          if (produced) return;
          await new Promise((resolve) => setTimeout(resolve, 5));
          continue;
        }
        claimed.push(pulled.value.metadata.id);
        (await consumer.ack(pulled.value.metadata.id)).unwrap();
      }
    });
    await producing;
    await Promise.all(consumers);
    expect(claimed).toHaveLength(900);
    expect(new Set(claimed).size).toBe(900); // none claimed twice
    expect(new Set(claimed)).toEqual(pushed); // none lost
  });
});

describe('long polling across instances on one PostgreSQL database', () => {
  it('wakes a pull waiting on one instance with a push or a nack made on another', async () => {
    const store = freshPostgresUrl();
    const [waiting, pushing] = [await startServer({ port: 0, store }), await startServer({ port: 0, store })];
    servers.push(waiting, pushing);
    const consumer = nodeClient(waiting.url, 'bb');
    const producer = nodeClient(pushing.url, 'aa');
    const elsewhere = nodeClient(pushing.url, 'bb');
    const first = consumer.send({ path: '/messageQueue?wait=15000' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const pushed = (await producer.push('bb', 'from the other instance')).headers['scirocco-id'];
    const got = await first;
    expect([got.status, got.headers['scirocco-id']]).toEqual([200, pushed]);
    // A nack on the other instance gives it back: the waiting pull gets it again.
    const second = consumer.send({ path: '/messageQueue/batch?wait=15000' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(
      (await elsewhere.send({ method: 'PATCH', path: `/messageQueue/${pushed ?? ''}/nack` })).status,
    ).toBe(200);
    const again = await second;
    expect(again.json<{ _id: string; tries: number }[]>().map((item) => [item._id, item.tries])).toEqual([
      [pushed, 2],
    ]);
  });
});
