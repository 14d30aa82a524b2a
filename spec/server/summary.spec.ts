import { describe, expect, it } from 'vitest';
import { nodeClient, send, type WireResponse } from '../support/http.js';
import { startServer } from '../../lib/server/start-server.js';
import { useServer } from '../support/server.js';
import { testStore } from '../support/test-store.js';

interface Summary {
  readonly nodes: { node: string; counts: Record<string, number>; oldestPendingAgeMs?: number }[];
  readonly totals: Record<string, number>;
  readonly version: number;
  readonly at: string;
}

const idOf = (res: WireResponse) => res.headers['scirocco-id'] ?? '';

describe('the summary extension: GET /messageQueue/summary', () => {
  const srv = useServer();
  const summary = async (query = '') => {
    const res = await send(srv.url, { path: `/messageQueue/summary${query}` });
    expect(res.status).toBe(200);
    return res.json<Summary>();
  };

  it('counts every destination by status; the version grows with each change', async () => {
    const empty = await summary();
    expect(empty).toMatchObject({ nodes: [], version: 0 });
    expect(empty.totals).toEqual({ pushed: 0, claimed: 0, acked: 0, nacked: 0, recovered: 0 });
    const a1 = nodeClient(srv.url, 'a1');
    const b2 = nodeClient(srv.url, 'b2');
    await a1.push('b2', 'one');
    await a1.push('b2', 'two');
    await a1.push('c3', 'three');
    const pulled = await b2.pull();
    await b2.ack(idOf(pulled));
    const after = await summary();
    expect(after.nodes.map((node) => [node.node, node.counts])).toEqual([
      ['b2', { scheduled: 0, pending: 1, processing: 0, processed: 1 }],
      ['c3', { scheduled: 0, pending: 1, processing: 0, processed: 0 }],
    ]);
    expect(after.version).toBe(5); // three pushes, a claim, an ack
    expect(after.totals).toMatchObject({ pushed: 3, claimed: 1, acked: 1 });
    expect(Date.parse(after.at)).not.toBeNaN();
    // A pull that finds nothing and a refused ack change nothing.
    await nodeClient(srv.url, 'd4').pull();
    await b2.ack(idOf(pulled));
    expect((await summary()).version).toBe(5);
  });

  it('waits for the next change with ?since=VERSION&wait=MS, and answers at the wait’s end without one', async () => {
    const { version } = await summary();
    const started = Date.now();
    const waiting = summary(`?since=${String(version)}&wait=5000`);
    setTimeout(() => {
      void nodeClient(srv.url, 'a1').push('b2', 'woken');
    }, 100);
    const woken = await waiting;
    expect(woken.version).toBe(version + 1);
    expect(woken.nodes[0]?.counts.pending).toBe(1);
    expect(Date.now() - started).toBeLessThan(4_000);
    const quiet = Date.now();
    const same = await summary(`?since=${String(woken.version)}&wait=150`);
    expect(same.version).toBe(woken.version);
    expect(Date.now() - quiet).toBeGreaterThanOrEqual(100);
    // A version already past answers at once, and so does one this server has not reached (the
    // client saw another run of it): a version grows past 10⁹ in days on a busy queue.
    expect((await summary('?since=0&wait=5000')).version).toBe(woken.version);
    const ahead = Date.now();
    expect((await summary('?since=12345678901&wait=5000')).version).toBe(woken.version);
    expect(Date.now() - ahead).toBeLessThan(2_000);
  });

  it('refuses a bad since or wait with a 400 naming it', async () => {
    const bad = await send(srv.url, { path: '/messageQueue/summary?since=-1' });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({
      message: 'Validation failed',
      errors: { since: { message: 'since must be one whole number from 0 to 9007199254740991.' } },
    });
    const long = await send(srv.url, { path: '/messageQueue/summary?since=1&wait=20001' });
    expect(long.status).toBe(400);
    expect(long.json()).toMatchObject({
      errors: { wait: { message: 'wait must be one whole number of milliseconds from 0 to 20000.' } },
    });
  });

  it('wants the token', async () => {
    expect((await send(srv.url, { path: '/messageQueue/summary', anonymous: true })).status).toBe(403);
  });

  it('lists one status with ?status=, the oldest first, and refuses an unknown status', async () => {
    const a1 = nodeClient(srv.url, 'a1');
    const b2 = nodeClient(srv.url, 'b2');
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push(idOf(await a1.push('b2', `m${String(n)}`)));
    await b2.pull();
    const listed = (query: string) =>
      b2.list(query).then((res) => res.json<{ _id?: string }[]>().map((item) => item._id));
    expect(await listed('?status=processing')).toEqual([ids[0]]);
    expect(await listed('?status=pending')).toEqual([ids[1], ids[2]]);
    expect(await listed('?status=pending&limit=1')).toEqual([ids[1]]);
    const refused = await b2.list('?status=lost');
    expect(refused.status).toBe(400);
    expect(refused.json()).toMatchObject({
      errors: { status: { message: 'status must be one of scheduled, pending, processing, processed.' } },
    });
  });
});

describe('the summary extension on a plain server', () => {
  const srv = useServer({ plain: true });

  it('is an unknown route, and a list ignores ?status= as the original does', async () => {
    expect((await send(srv.url, { path: '/messageQueue/summary' })).status).toBe(404);
    expect((await send(srv.url, { method: 'OPTIONS', path: '/messageQueue/summary' })).status).toBe(404);
    await nodeClient(srv.url, 'a1').push('b2', 'x');
    const res = await nodeClient(srv.url, 'b2').list('?status=processed');
    expect(res.json<unknown[]>().length).toBe(1);
  });
});

describe('a summary waiting for a change when the server closes', () => {
  it('is answered at once, not cut at the grace period', async () => {
    const server = await startServer({ port: 0, ...testStore(), closeGraceMs: 5_000 });
    const { version } = (await send(server.url, { path: '/messageQueue/summary' })).json<Summary>();
    const waiting = send(server.url, { path: `/messageQueue/summary?since=${String(version)}&wait=20000` });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await server.close();
    expect((await waiting).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
