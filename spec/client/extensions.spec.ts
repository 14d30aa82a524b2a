import { describe, expect, it } from 'vitest';
import { createClient } from '../../lib/create-client.js';
import { startServer } from '../../lib/server/start-server.js';
import { createMemoryQueue } from '../../lib/testing/create-memory-queue.js';
import { useServer } from '../support/server.js';
import { stubServer } from '../support/stub-server.js';

const TOKEN = 'DEFAULT_TOKEN';

describe('client.extensions() and client.nack()', () => {
  const srv = useServer();

  it('finds the nack of this package’s server, and none on a server that does not advertise it', async () => {
    const ours = createClient({ url: srv.url, node: 'af123', token: TOKEN });
    expect((await ours.extensions()).unwrap()).toEqual({
      nack: true,
      maxBatchPull: 100,
      maxPullWaitMs: 20_000,
      maxBatchAck: 100,
      maxBatchPush: 100,
      maxBatchPushKb: 1024,
      summary: true,
      traceContext: true,
    });
    const original = await stubServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(
        '{"name":"DDS endpoint.","author":"eloylp","source":"https://github.com/eloylp/scirocco-server"}',
      );
    });
    const theirs = createClient({ url: original.url, node: 'af123', token: TOKEN });
    expect((await theirs.extensions()).unwrap()).toEqual({ nack: false });
    ours.close();
    theirs.close();
  });

  it('nacks a pulled message: due again, tries kept, the same id; later with delayMs', async () => {
    const client = createClient({ url: srv.url, node: 'af123', token: TOKEN });
    const pushed = (await client.push('af123', { n: 1 })).unwrap();
    (await client.pull()).unwrap();
    const nacked = (await client.nack(pushed.metadata.id)).unwrap();
    expect(nacked.metadata).toMatchObject({ id: pushed.metadata.id, status: 'pending', tries: 1 });
    const again = (await client.pull()).unwrap();
    expect(again.isSome() && again.value.metadata).toMatchObject({ id: pushed.metadata.id, tries: 2 });
    const later = (await client.nack(pushed.metadata.id, { delayMs: 60_000 })).unwrap();
    expect(later.metadata.status).toBe('scheduled');
    expect((await client.pull()).unwrap().isNone()).toBe(true);
    const twice = await client.nack(pushed.metadata.id);
    expect(twice.isErr() && twice.error.kind).toBe('not-found');
    client.close();
  });

  it('refuses a bad delayMs before any request', async () => {
    const client = createClient({ url: srv.url, node: 'af123', token: TOKEN });
    const refused = await client.nack('5823a70203c123003de4229b', { delayMs: -1 });
    expect(refused.isErr() && [refused.error.kind, refused.error.message]).toEqual([
      'invalid-argument',
      'nack: delayMs must be a whole number of milliseconds >= 0, got -1',
    ]);
    client.close();
  });

  it('has the same nack on the memory queue', async () => {
    const queue = createMemoryQueue();
    const client = queue.client({ node: 'af123' });
    expect((await client.extensions()).unwrap()).toEqual({
      nack: true,
      maxBatchPull: 100,
      maxBatchAck: 100,
      maxBatchPush: 100,
      maxBatchPushKb: 1024,
      summary: true,
    });
    const pushed = (await client.push('af123', 'x')).unwrap();
    (await client.pull()).unwrap();
    expect((await client.nack(pushed.metadata.id)).unwrap().metadata).toMatchObject({
      status: 'pending',
      tries: 1,
    });
    const refused = await client.nack(pushed.metadata.id, { delayMs: 1.5 });
    expect(refused.isErr() && refused.error.message).toBe(
      'nack: delayMs must be a whole number of milliseconds >= 0, got 1.5',
    );
  });

  it('answers as the original server on a plain server and a plain memory queue: no nack', async () => {
    const server = await startServer({ plain: true });
    const overHttp = createClient({ url: server.url, node: 'af123', token: TOKEN });
    const queue = createMemoryQueue({ plain: true });
    try {
      for (const client of [overHttp, queue.client({ node: 'af123' })]) {
        expect((await client.extensions()).unwrap()).toEqual({ nack: false });
        const pushed = (await client.push('af123', 'x')).unwrap();
        (await client.pull()).unwrap();
        const refused = await client.nack(pushed.metadata.id);
        expect(refused.isErr() && [refused.error.kind, refused.error.status]).toEqual(['not-found', 404]);
        expect(refused.isErr() && refused.error.message).toBe(
          `nack PATCH /messageQueue/${pushed.metadata.id}/nack: 404 Not Found`,
        );
        // Nothing changed: the message is still processing.
        expect((await client.get(pushed.metadata.id)).unwrap().metadata.status).toBe('processing');
      }
    } finally {
      overHttp.close();
      await server.close();
    }
    await expect(startServer({ plain: true, processingTimeoutMs: 1_000 })).rejects.toThrow(
      new RangeError('processingTimeoutMs is an extension: a plain server offers none'),
    );
  });
});
