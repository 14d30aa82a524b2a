import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../lib/server/memory-store.js';
import type { MessageStore } from '../../lib/server/message-store.js';
import { startServer, type RunningServer } from '../../lib/server/start-server.js';
import { nodeClient, send, type WireResponse } from '../support/http.js';
import { manualClock, useServer } from '../support/server.js';
import { testStore } from '../support/test-store.js';

const idOf = (res: WireResponse) => res.headers['scirocco-id']!;

describe('extensions: discovery', () => {
  const srv = useServer();

  it('advertises nack and batch-pull in the Scirocco-Extensions header of GET /, the body the original one', async () => {
    const res = await send(srv.url);
    expect(res.status).toBe(200);
    expect(res.headers['scirocco-extensions']).toBe(
      'nack, batch-pull=100, long-poll=20000, batch-ack=100, batch-push=100, batch-push-kb=1024, summary, trace-context',
    );
    expect(res.json()).toEqual({
      name: 'DDS endpoint.',
      author: 'eloylp',
      source: 'https://github.com/eloylp/scirocco-server',
    });
  });

  const servers: RunningServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('advertises only batch acks, and has no nack route, on a store with only the required methods', async () => {
    const inner = createMemoryStore();
    // A store of its own with the required methods only: no nack, no recoverStuck.
    const store: MessageStore = {
      insert: (m) => inner.insert(m),
      claimNextDue: (destination, now) => inner.claimNextDue(destination, now),
      ack: (id, destination, now) => inner.ack(id, destination, now),
      get: (id, node) => inner.get(id, node),
      list: (node, limit) => inner.list(node, limit),
      updatePayload: (id, source, payload, now) => inner.updatePayload(id, source, payload, now),
      deleteOne: (id, source) => inner.deleteOne(id, source),
      deleteMine: (source) => inner.deleteMine(source),
      wipe: () => inner.wipe(),
    };
    const server = await startServer({ store });
    servers.push(server);
    // Only what every store can do: a batch ack is acks of one message each.
    expect((await send(server.url)).headers['scirocco-extensions']).toBe(
      'batch-ack=100, batch-push=100, batch-push-kb=1024, trace-context',
    );
    const a = nodeClient(server.url, 'af123');
    await a.push('af123', 'x');
    const id = idOf(await a.pull());
    const res = await a.send({ method: 'PATCH', path: `/messageQueue/${id}/nack` });
    expect([res.status, res.json()]).toEqual([404, { message: 'Not Found' }]);
    await expect(startServer({ store, processingTimeoutMs: 1_000 })).rejects.toThrow(
      'processingTimeoutMs needs a store that offers recoverStuck',
    );
  });
});

describe('PATCH /messageQueue/<id>/nack', () => {
  const clock = manualClock();
  const srv = useServer({ clock: clock.now });

  it('gives a claimed message back to pending, tries kept, and the next pull gets it again', async () => {
    const a = nodeClient(srv.url, 'af123');
    await a.push('af123', 'again');
    const id = idOf(await a.pull());
    const nacked = await a.send({ method: 'PATCH', path: `/messageQueue/${id}/nack` });
    expect(nacked.status).toBe(200);
    expect(nacked.headers['scirocco-status']).toBe('pending');
    expect(nacked.headers['scirocco-tries']).toBe('1');
    expect(nacked.text).toBe('again');
    const again = await a.pull();
    expect([idOf(again), again.headers['scirocco-tries']]).toEqual([id, '2']);
  });

  it('with ?delay=MS, schedules it that much later', async () => {
    const a = nodeClient(srv.url, 'af123');
    await a.push('af123', 'later');
    const id = idOf(await a.pull());
    const nacked = await a.send({ method: 'PATCH', path: `/messageQueue/${id}/nack?delay=60000` });
    expect(nacked.headers['scirocco-status']).toBe('scheduled');
    expect((await a.pull()).status).toBe(204);
    clock.advance(60_000);
    expect(idOf(await a.pull())).toBe(id);
    clock.reset();
  });

  it('answers 404 for a message that is not processing or not the caller, 400 for a bad delay', async () => {
    const a = nodeClient(srv.url, 'af123');
    const b = nodeClient(srv.url, 'bc456');
    await a.push('af123', 'x');
    const id = idOf(await a.pull());
    expect((await b.send({ method: 'PATCH', path: `/messageQueue/${id}/nack` })).status).toBe(404);
    const bad = await a.send({ method: 'PATCH', path: `/messageQueue/${id}/nack?delay=soon` });
    expect(bad.status).toBe(400);
    expect(bad.json<{ errors: { delay: { message: string } } }>().errors.delay.message).toBe(
      'The delay must be a whole number of milliseconds.',
    );
    expect((await a.send({ method: 'PATCH', path: `/messageQueue/${id}/nack` })).status).toBe(200);
    expect((await a.send({ method: 'PATCH', path: `/messageQueue/${id}/nack` })).status).toBe(404);
  });
});

describe('the processing timeout', () => {
  const servers: RunningServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('gives a message processing for longer back to pending, tries kept, and says so in discovery', async () => {
    const clock = manualClock();
    const server = await startServer({ port: 0, ...testStore(), processingTimeoutMs: 200, clock: clock.now });
    servers.push(server);
    expect((await send(server.url)).headers['scirocco-extensions']).toBe(
      'nack, processing-timeout=200, batch-pull=100, long-poll=20000, batch-ack=100, batch-push=100, batch-push-kb=1024, summary, trace-context',
    );
    const a = nodeClient(server.url, 'af123');
    await a.push('af123', 'stuck');
    const id = idOf(await a.pull());
    await sleep(120); // sweeps run (every 50 ms) but nothing is old enough
    expect((await a.pull()).status).toBe(204);
    clock.advance(201);
    let again: WireResponse | undefined;
    for (let tries = 0; tries < 100 && again?.status !== 200; tries++) {
      await sleep(20);
      again = await a.pull();
    }
    expect([again && idOf(again), again?.headers['scirocco-tries']]).toEqual([id, '2']);
  });
});

describe('retention', () => {
  const servers: RunningServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('deletes processed messages after retainProcessedMs, and keeps the others', async () => {
    const clock = manualClock();
    const server = await startServer({ port: 0, ...testStore(), retainProcessedMs: 200, clock: clock.now });
    servers.push(server);
    const a = nodeClient(server.url, 'af123');
    await a.push('af123', 'done');
    const waiting = idOf(await a.push('af123', 'waiting'));
    const done = idOf(await a.pull());
    expect((await a.send({ method: 'PATCH', path: `/messageQueue/${done}/ack` })).status).toBe(200);
    await sleep(120);
    expect((await a.send({ path: `/messages/${done}` })).status).toBe(200);
    clock.advance(201);
    let gone = false;
    for (let tries = 0; tries < 100 && !gone; tries++) {
      await sleep(20);
      gone = (await a.send({ path: `/messages/${done}` })).status === 404;
    }
    expect(gone).toBe(true);
    expect((await a.send({ path: `/messages/${waiting}` })).status).toBe(200);
  });

  it('refuses a retention that is not a positive number of milliseconds or Infinity', async () => {
    await expect(startServer({ retainProcessedMs: 0 })).rejects.toThrow(
      'retainProcessedMs must be a positive whole number of milliseconds, got 0',
    );
  });
});
