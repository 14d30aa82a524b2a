import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../lib/server/memory-store.js';
import { startServer, type RunningServer, type ServerOptions } from '../../lib/server/start-server.js';
import { nodeClient, send, type WireResponse } from '../support/http.js';
import { testStore } from '../support/test-store.js';

const idOf = (res: WireResponse) => res.headers['scirocco-id'] ?? '';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Client = ReturnType<typeof nodeClient>;
const waitPull = (client: Client, query: string, signal?: AbortSignal) =>
  client.send({ path: `/messageQueue${query}`, ...(signal ? { signal } : {}) });
const waitBatch = (client: Client, query: string) => client.send({ path: `/messageQueue/batch${query}` });
const ids = (res: WireResponse) => res.json<{ _id: string }[]>().map((item) => item._id);

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
async function serve(options: ServerOptions = {}): Promise<RunningServer> {
  const server = await startServer({ ...testStore(), ...options });
  servers.push(server);
  return server;
}

/** Resolves when `promise` has not settled within `ms`: the pull is still waiting. */
async function stillWaiting(promise: Promise<unknown>, ms = 150): Promise<boolean> {
  const pending = Symbol('pending');
  return (await Promise.race([promise, sleep(ms).then(() => pending)])) === pending;
}

describe('long polling: GET /messageQueue?wait=MS', () => {
  it('answers with a message pushed while the pull waits', async () => {
    const server = await serve();
    const a = nodeClient(server.url, 'af123');
    const pulled = waitPull(a, '?wait=10000');
    expect(await stillWaiting(pulled)).toBe(true);
    const pushed = idOf(await a.push('af123', { n: 1 }));
    const res = await pulled;
    expect([res.status, idOf(res), res.headers['scirocco-status'], res.json()]).toEqual([
      200,
      pushed,
      'processing',
      { n: 1 },
    ]);
    expect((await a.ack(pushed)).status).toBe(200);
  });

  it('answers at once when a message is due, and 204 once its wait is over', async () => {
    const server = await serve();
    const a = nodeClient(server.url, 'af123');
    await a.push('af123', 'ready');
    expect((await waitPull(a, '?wait=10000')).text).toBe('ready');
    const started = performance.now();
    const res = await waitPull(a, '?wait=300');
    expect([res.status, res.text]).toEqual([204, '']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('answers with a scheduled message when it reaches its time', async () => {
    const server = await serve();
    const a = nodeClient(server.url, 'af123');
    const later = idOf(
      await a.push('af123', 'later', {
        'Scirocco-Status': 'scheduled',
        'Scirocco-Scheduled-Time': new Date(Date.now() + 300).toISOString(),
      }),
    );
    const res = await waitPull(a, '?wait=10000');
    expect([res.status, idOf(res)]).toEqual([200, later]);
  });

  it('answers with a message scheduled while it waits, at its time', async () => {
    const server = await serve();
    const a = nodeClient(server.url, 'af123');
    const pulled = waitPull(a, '?wait=10000');
    expect(await stillWaiting(pulled, 50)).toBe(true);
    const later = idOf(
      await a.push('af123', 'later', {
        'Scirocco-Status': 'scheduled',
        'Scirocco-Scheduled-Time': new Date(Date.now() + 300).toISOString(),
      }),
    );
    expect(await stillWaiting(pulled, 100)).toBe(true);
    expect(idOf(await pulled)).toBe(later);
  });

  it('answers with a message nacked back while it waits', async () => {
    const server = await serve();
    const a = nodeClient(server.url, 'af123');
    const id = idOf(await a.push('af123', 'again'));
    expect(idOf(await a.pull())).toBe(id);
    const pulled = waitPull(a, '?wait=10000');
    expect(await stillWaiting(pulled)).toBe(true);
    expect((await a.send({ method: 'PATCH', path: `/messageQueue/${id}/nack` })).status).toBe(200);
    const res = await pulled;
    expect([idOf(res), res.headers['scirocco-tries']]).toEqual([id, '2']);
  });

  it('wakes one waiting pull per push, the one that has waited longest', async () => {
    const server = await serve();
    const a = nodeClient(server.url, 'af123');
    const first = waitPull(a, '?wait=10000');
    await sleep(30);
    const second = waitPull(a, '?wait=10000');
    expect(await stillWaiting(Promise.race([first, second]))).toBe(true);
    const one = idOf(await a.push('af123', 'one'));
    expect(idOf(await first)).toBe(one);
    expect(await stillWaiting(second)).toBe(true);
    const two = idOf(await a.push('af123', 'two'));
    expect(idOf(await second)).toBe(two);
  });

  it('is not woken by messages for another node', async () => {
    const server = await serve();
    const a = nodeClient(server.url, 'af123');
    const pulled = waitPull(a, '?wait=10000');
    await a.push('bc456', 'not yours');
    expect(await stillWaiting(pulled)).toBe(true);
    const mine = idOf(await a.push('af123', 'yours'));
    expect(idOf(await pulled)).toBe(mine);
  });

  it('claims nothing for a client that went away: the message stays for the next pull', async () => {
    const server = await serve();
    const a = nodeClient(server.url, 'af123');
    const controller = new AbortController();
    const gone = waitPull(a, '?wait=10000', controller.signal).catch((error: unknown) => error);
    expect(await stillWaiting(gone)).toBe(true);
    controller.abort();
    expect(await gone).toBeInstanceOf(Error);
    await sleep(50); // the server sees the connection close
    const id = idOf(await a.push('af123', 'kept'));
    const res = await a.pull();
    expect([idOf(res), res.headers['scirocco-tries']]).toEqual([id, '1']);
  });

  it('answers every waiting pull when the server closes, at once', async () => {
    const server = await startServer({ ...testStore() });
    const a = nodeClient(server.url, 'af123');
    const pulled = waitPull(a, '?wait=15000');
    const batched = waitBatch(a, '?wait=15000&max=5');
    expect(await stillWaiting(Promise.race([pulled, batched]))).toBe(true);
    await server.close();
    expect([(await pulled).status, (await batched).status]).toEqual([204, 204]);
  });

  it('outlasts the request timeout: that one is for sending the request', async () => {
    const server = await serve({ requestTimeoutMs: 400, headersTimeoutMs: 200 });
    const a = nodeClient(server.url, 'af123');
    expect((await waitPull(a, '?wait=900')).status).toBe(204);
  });

  it('answers 400 to a bad wait, on both pull routes, and claims nothing', async () => {
    const server = await serve({ maxPullWaitMs: 5_000 });
    const a = nodeClient(server.url, 'af123');
    await a.push('af123', 'kept');
    for (const [query, value] of [
      ['?wait=-1', '-1'],
      ['?wait=1.5', '1.5'],
      ['?wait=5001', '5001'],
      ['?wait=soon', 'soon'],
      ['?wait=1&wait=2', ['1', '2']],
    ] as const) {
      for (const res of [await waitPull(a, query), await waitBatch(a, query)]) {
        expect([res.status, res.json()]).toEqual([
          400,
          {
            message: 'Validation failed',
            errors: {
              wait: {
                message: 'wait must be one whole number of milliseconds from 0 to 5000.',
                path: 'wait',
                value,
              },
            },
          },
        ]);
      }
    }
    expect((await waitPull(a, '?wait=0')).text).toBe('kept');
  });

  it('answers 204 at once without a node, and a HEAD never waits', async () => {
    const server = await serve();
    const a = nodeClient(server.url, 'af123');
    expect((await send(server.url, { path: '/messageQueue?wait=15000' })).status).toBe(204);
    expect((await a.send({ method: 'HEAD', path: '/messageQueue?wait=15000' })).status).toBe(204);
  });
});

describe('long polling: batch pulls', () => {
  it('answers with the messages pushed while the batch pull waits, up to max', async () => {
    const server = await serve();
    const a = nodeClient(server.url, 'af123');
    const pulled = waitBatch(a, '?wait=10000&max=3');
    expect(await stillWaiting(pulled)).toBe(true);
    const pushed = idOf(await a.push('af123', { n: 1 }));
    const res = await pulled;
    expect(res.status).toBe(200);
    expect(ids(res)[0]).toBe(pushed);
    expect(ids(res).length).toBeLessThanOrEqual(3);
  });
});

describe('long polling: DELETE /messageQueue/wait/ID ends a named wait', () => {
  const WAIT_ID = '0123456789abcdef0123456789abcdef';
  const named = (client: Client, query: string, waitId: string = WAIT_ID) =>
    client.send({ path: `/messageQueue${query}`, headers: { 'Scirocco-Wait-Id': waitId } });
  const end = (client: Client, waitId: string = WAIT_ID) =>
    client.send({ method: 'DELETE', path: `/messageQueue/wait/${waitId}` });

  it('answers the pull at once with 204, and the end with 204; a second end finds no wait', async () => {
    const server = await serve();
    const a = nodeClient(server.url, 'af123');
    const pulled = named(a, '?wait=15000');
    expect(await stillWaiting(pulled, 100)).toBe(true);
    const started = performance.now();
    expect((await end(a)).status).toBe(204);
    expect((await pulled).status).toBe(204);
    expect(performance.now() - started).toBeLessThan(5_000);
    const again = await end(a);
    expect([again.status, again.json()]).toEqual([404, { message: 'No such wait.' }]);
  });

  it('ends a batch pull too, and the id in any case', async () => {
    const server = await serve();
    const a = nodeClient(server.url, 'af123');
    const pulled = a.send({
      path: '/messageQueue/batch?max=5&wait=15000',
      headers: { 'Scirocco-Wait-Id': WAIT_ID.toUpperCase() },
    });
    expect(await stillWaiting(pulled, 100)).toBe(true);
    expect((await end(a)).status).toBe(204);
    const res = await pulled;
    expect([res.status, res.text]).toEqual([204, '']);
  });

  it('ends only the wait of the node that named it', async () => {
    const server = await serve();
    const a = nodeClient(server.url, 'af123');
    const b = nodeClient(server.url, 'bb');
    const pulled = named(a, '?wait=15000');
    expect(await stillWaiting(pulled, 100)).toBe(true);
    expect((await end(b)).status).toBe(404);
    expect((await send(server.url, { method: 'DELETE', path: `/messageQueue/wait/${WAIT_ID}` })).status).toBe(
      404,
    );
    expect(await stillWaiting(pulled, 100)).toBe(true);
    const pushed = idOf(await b.push('af123', 'for a'));
    expect(idOf(await pulled)).toBe(pushed);
  });

  it('answers 400 to a bad Scirocco-Wait-Id and claims nothing; an end of a bad id finds no wait', async () => {
    const server = await serve();
    const a = nodeClient(server.url, 'af123');
    await a.push('af123', 'kept');
    for (const bad of ['', 'abc', 'not-hex-not-hex-not-hex', 'f'.repeat(65)]) {
      const res = await named(a, '?wait=100', bad);
      expect([res.status, res.json()]).toEqual([
        400,
        {
          message: 'Validation failed',
          errors: {
            'Scirocco-Wait-Id': {
              message: 'Scirocco-Wait-Id must be one id of 16 to 64 hexadecimal characters.',
              path: 'Scirocco-Wait-Id',
              value: bad,
            },
          },
        },
      ]);
      if (bad !== '') expect((await end(a, bad)).status).toBe(404);
    }
    expect((await named(a, '?wait=100')).text).toBe('kept');
  });

  it('is an unknown route where the server does not long-poll, and answers only DELETE', async () => {
    const server = await serve();
    const a = nodeClient(server.url, 'af123');
    for (const method of ['GET', 'PATCH', 'POST']) {
      const res = await a.send({
        method,
        path: `/messageQueue/wait/${WAIT_ID}`,
        headers: { 'Content-Type': 'text/plain' },
      });
      expect(res.status).toBe(404);
    }
    for (const off of [await serve({ maxPullWaitMs: 0 }), await serve({ plain: true })]) {
      const res = await end(nodeClient(off.url, 'af123'));
      expect([res.status, res.text]).toEqual([404, (await send(off.url, { path: '/nowhere' })).text]);
    }
  });
});

describe('long polling: discovery', () => {
  it('is advertised with the most a pull may wait', async () => {
    const server = await serve();
    expect((await send(server.url)).headers['scirocco-extensions']).toBe(
      'nack, batch-pull=100, long-poll=20000, batch-ack=100, batch-push=100, batch-push-kb=1024, summary, trace-context',
    );
    const shorter = await serve({ maxPullWaitMs: 1_000 });
    expect((await send(shorter.url)).headers['scirocco-extensions']).toContain('long-poll=1000');
  });

  it('is not offered when turned off, on a plain server, or by a store without nextDue: wait is ignored', async () => {
    const off = await serve({ maxPullWaitMs: 0 });
    const plain = await serve({ plain: true });
    const storeWithout = await serve({ store: { ...createMemoryStore(), nextDue: undefined } });
    for (const server of [off, plain, storeWithout]) {
      expect((await send(server.url)).headers['scirocco-extensions'] ?? '').not.toContain('long-poll');
      const a = nodeClient(server.url, 'af123');
      // Answered at once, as the original answers a query it does not know.
      expect((await waitPull(a, '?wait=60000')).status).toBe(204);
      expect((await waitPull(a, '?wait=soon')).status).toBe(204);
    }
  });

  it('refuses a maxPullWaitMs that is not a whole number of milliseconds', async () => {
    await expect(startServer({ maxPullWaitMs: -1 })).rejects.toThrow(
      'maxPullWaitMs must be a positive whole number of milliseconds, got -1',
    );
  });
});
