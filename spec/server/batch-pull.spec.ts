import { afterEach, describe, expect, it } from 'vitest';
import { messageFromListItem } from '../../lib/protocol/message-from-list-item.js';
import { createMemoryStore } from '../../lib/server/memory-store.js';
import { startServer, type RunningServer } from '../../lib/server/start-server.js';
import { nodeClient, send, type WireResponse } from '../support/http.js';
import { manualClock, useServer } from '../support/server.js';
import { testStore } from '../support/test-store.js';

const idOf = (res: WireResponse) => res.headers['scirocco-id'] ?? '';
const batch = (client: ReturnType<typeof nodeClient>, query = '') =>
  client.send({ path: `/messageQueue/batch${query}` });
interface Item {
  readonly _id: string;
  readonly status: string;
  readonly tries: number;
  readonly payload: unknown;
}
const items = (res: WireResponse) => res.json<Item[]>();

describe('GET /messageQueue/batch (the batch-pull extension)', () => {
  const clock = manualClock();
  const srv = useServer({ clock: clock.now });

  it('claims up to max of the oldest due messages, answered as a list is', async () => {
    const a = nodeClient(srv.url, 'af123');
    const pushed = [];
    for (const body of [{ n: 1 }, 'two', new Uint8Array([0, 1, 255]), { n: 4 }])
      pushed.push(idOf(await a.push('af123', body)));
    const first = await batch(a, '?max=3');
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    const claimed = items(first);
    expect(claimed.map((item) => [item._id, item.status, item.tries])).toEqual(
      pushed.slice(0, 3).map((id) => [id, 'processing', 1]),
    );
    expect(claimed.map((item) => messageFromListItem(item).unwrap().payload)).toEqual([
      { n: 1 },
      'two',
      new Uint8Array([0, 1, 255]),
    ]);
    expect(items(await batch(a)).map((item) => item._id)).toEqual([pushed[3]]);
    expect((await batch(a)).status).toBe(204);
    // Each was claimed: the caller acks them one by one, as after a plain pull.
    for (const id of pushed) expect((await a.ack(id)).status).toBe(200);
  });

  it('claims scheduled messages once due, and the caller’s messages only', async () => {
    const a = nodeClient(srv.url, 'af123');
    const b = nodeClient(srv.url, 'bc456');
    const later = idOf(
      await a.push('af123', 'later', {
        'Scirocco-Status': 'scheduled',
        'Scirocco-Scheduled-Time': new Date(clock.now() + 60_000).toISOString(),
      }),
    );
    await a.push('bc456', 'for b');
    expect((await batch(a)).status).toBe(204);
    clock.advance(60_000);
    expect(items(await batch(a)).map((item) => item._id)).toEqual([later]);
    expect(items(await batch(b)).map((item) => item.payload)).toEqual(['for b']);
    clock.reset();
  });

  it('never gives one message to two concurrent batch pulls', async () => {
    const a = nodeClient(srv.url, 'af123');
    const pushed = new Set<string>();
    for (let n = 0; n < 30; n++) pushed.add(idOf(await a.push('af123', { n })));
    const answers = await Promise.all([
      batch(a, '?max=12'),
      batch(a, '?max=12'),
      batch(a, '?max=12'),
      a.pull(),
    ]);
    const ids = [
      ...answers.slice(0, 3).flatMap((res) => (res.status === 200 ? items(res).map((item) => item._id) : [])),
      idOf(answers[3]),
    ].filter((id) => id !== '');
    expect(ids.length).toBe(30);
    expect(new Set(ids)).toEqual(pushed);
  });

  it('answers 400 to a bad max, and claims nothing', async () => {
    const a = nodeClient(srv.url, 'af123');
    await a.push('af123', 'kept');
    for (const [query, value] of [
      ['?max=0', '0'],
      ['?max=101', '101'],
      ['?max=-1', '-1'],
      ['?max=1.5', '1.5'],
      ['?max=two', 'two'],
      ['?max=1&max=2', ['1', '2']],
    ] as const) {
      const res = await batch(a, query);
      expect([res.status, res.json()]).toEqual([
        400,
        {
          message: 'Validation failed',
          errors: { max: { message: 'max must be one whole number from 1 to 100.', path: 'max', value } },
        },
      ]);
    }
    expect((await a.pull()).text).toBe('kept');
  });

  it('answers 204 without a node, and a HEAD never claims', async () => {
    const a = nodeClient(srv.url, 'af123');
    await a.push('af123', 'kept');
    expect((await send(srv.url, { path: '/messageQueue/batch' })).status).toBe(204);
    const head = await a.send({ method: 'HEAD', path: '/messageQueue/batch' });
    expect([head.status, head.text]).toEqual([204, '']);
    expect((await a.pull()).text).toBe('kept');
  });
});

describe('the batch-pull extension: discovery', () => {
  const servers: RunningServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('advertises a list’s limit as the most a batch pull claims', async () => {
    const server = await startServer({ ...testStore(), limits: { maxListMessages: 7 } });
    servers.push(server);
    expect((await send(server.url)).headers['scirocco-extensions']).toBe(
      'nack, batch-pull=7, long-poll=20000, batch-ack=7, batch-push=7, batch-push-kb=1024, summary, trace-context',
    );
    const a = nodeClient(server.url, 'af123');
    expect((await batch(a, '?max=8')).json()).toMatchObject({
      errors: { max: { message: 'max must be one whole number from 1 to 7.' } },
    });
  });

  it('is an unknown route on a plain server and on a store that cannot claim several at once', async () => {
    const plain = await startServer({ ...testStore(), plain: true });
    // The memory store without claimDue: one claim at a time.
    const single = await startServer({ store: { ...createMemoryStore(), claimDue: undefined } });
    servers.push(plain, single);
    for (const server of [plain, single]) {
      expect((await send(server.url)).headers['scirocco-extensions'] ?? '').not.toContain('batch-pull');
      const a = nodeClient(server.url, 'af123');
      await a.push('af123', 'kept');
      expect([(await batch(a)).status, (await batch(a)).json()]).toEqual([404, { message: 'Not Found' }]);
      expect((await a.pull()).text).toBe('kept');
    }
  });
});
