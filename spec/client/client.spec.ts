import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClientCore } from '../../lib/client/create-client-core.js';
import type { ClientOptions } from '../../lib/client/client-options.js';
import { sameBytes } from '../support/bytes.js';
import { manualClock, useServer } from '../support/server.js';
import { TRANSPORTS } from '../support/transports.js';

const bytes = new Uint8Array(randomBytes(900 * 1024));

describe.each(TRANSPORTS)('client over the %s transport', (_, transport) => {
  const clock = manualClock();
  const srv = useServer({ clock: clock.now });
  beforeEach(() => clock.reset());
  const client = (node: string, options: Partial<ClientOptions> = {}) =>
    createClientCore(
      { url: srv.url, node, token: 'DEFAULT_TOKEN', transport: transport(), ...options },
      transport,
    );

  it('pushes and reads back typed messages with camelCase metadata and Dates', async () => {
    const a = client('af123');
    const pushed = (await a.push('bc456', { type: 'message' }, { payloadType: 'greeting' })).unwrap();
    expect(pushed.payload).toEqual({ type: 'message' });
    expect(pushed.metadata).toMatchObject({
      nodeSource: 'af123',
      nodeDestination: 'bc456',
      status: 'pending',
      tries: 0,
      payloadType: 'greeting',
    });
    expect(pushed.metadata.id).toMatch(/^[0-9a-f]{24}$/);
    expect(pushed.metadata.createdTime).toBeInstanceOf(Date);
    const b = client('bc456');
    const pulled = (await b.pull<{ type: string }>()).unwrap().unwrap();
    expect(pulled.payload.type).toBe('message');
    expect(pulled.metadata).toMatchObject({ id: pushed.metadata.id, status: 'processing', tries: 1 });
    expect(pulled.metadata.processingTime).toBeInstanceOf(Date);
    const acked = (await b.ack(pulled.metadata.id)).unwrap();
    expect(acked.metadata.status).toBe('processed');
    expect(acked.metadata.processedTime).toBeInstanceOf(Date);
    expect((await b.pull()).unwrap().isNone()).toBe(true);
  });

  it.each([
    ['an object', { nested: { list: [1, 'two', null] }, text: 'ñ✓😀' }],
    ['an array', [{ a: 1 }, [], 'x']],
    ['unicode text', 'héllo wörld ✓ 😀 日本語'],
    ['JSON-looking text', '{"looks":"like json"}'],
  ])('round-trips %s through push, pull, ack, get and list', async (_, payload) => {
    const a = client('af123');
    const id = (await a.push('af123', payload)).unwrap().metadata.id;
    expect((await a.pull()).unwrap().unwrap().payload).toEqual(payload);
    expect((await a.ack(id)).unwrap().payload).toEqual(payload);
    expect((await a.get(id)).unwrap().payload).toEqual(payload);
    const listed = (await a.list()).unwrap();
    expect(listed.map((m) => m.payload)).toEqual([payload]);
    expect(listed[0]!.metadata.status).toBe('processed');
  });

  it('gives bytes back as bytes from every operation (900 kB of random bytes)', async () => {
    const a = client('af123');
    const pushed = (await a.push('af123', bytes)).unwrap();
    expect(sameBytes(pushed.payload, bytes)).toBe(true);
    const id = pushed.metadata.id;
    expect(sameBytes((await a.pull()).unwrap().unwrap().payload, bytes)).toBe(true);
    expect(sameBytes((await a.ack(id)).unwrap().payload, bytes)).toBe(true);
    expect(sameBytes((await a.get(id)).unwrap().payload, bytes)).toBe(true);
    expect(sameBytes((await a.list()).unwrap()[0]!.payload, bytes)).toBe(true);
  });

  it('sends Buffer, ArrayBuffer and typed-array views as bytes, and gets Uint8Array back', async () => {
    const a = client('af123');
    for (const input of [
      Buffer.from([1, 2, 3]),
      new Uint8Array([1, 2, 3]).buffer,
      new Uint16Array([0x0201, 0x0003]),
    ]) {
      const got = (await a.push('af123', input)).unwrap().payload;
      expect(got).toBeInstanceOf(Uint8Array);
      expect(Buffer.isBuffer(got) ? [...got] : [...got]).toEqual(
        input instanceof Uint16Array ? [1, 2, 3, 0] : [1, 2, 3],
      );
    }
  });

  it('schedules a message: not due before its time, due after', async () => {
    const a = client('af123');
    const at = new Date(Date.now() + 60_000);
    const pushed = (await a.push('af123', 'later', { scheduledAt: at })).unwrap();
    expect(pushed.metadata.status).toBe('scheduled');
    expect(pushed.metadata.scheduledTime?.getTime()).toBe(Math.floor(at.getTime() / 1000) * 1000);
    expect((await a.pull()).unwrap().isNone()).toBe(true);
    clock.advance(at.getTime() - clock.now() + 1);
    expect((await a.pull()).unwrap().unwrap().payload).toBe('later');
  });

  it('lists with a limit, oldest first, and an empty array when there is nothing', async () => {
    const a = client('af123');
    expect((await a.list()).unwrap()).toEqual([]);
    for (const n of [1, 2, 3]) await a.push('af123', { n });
    expect((await a.list({ limit: 2 })).unwrap().map((m) => m.payload)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('updates a waiting message, and deletes one, all of mine, or everything', async () => {
    const a = client('aa');
    const first = (await a.push('bb', { v: 1 })).unwrap().metadata.id;
    const updated = (await a.update(first, 'now text')).unwrap();
    expect(updated.payload).toBe('now text');
    expect(updated.metadata.updateTime).toBeInstanceOf(Date);
    expect((await a.delete(first)).unwrap()).toBe(1);
    expect((await a.delete(first)).unwrap()).toBe(0);
    await a.push('bb', '1');
    await a.push('bb', '2');
    expect((await a.deleteAll()).unwrap()).toBe(2);
    await client('cc').push('dd', 'x');
    await a.push('bb', 'y');
    expect((await a.wipe()).unwrap()).toBe(2);
  });

  it('reads the server info', async () => {
    expect((await client('aa').info()).unwrap()).toEqual({
      name: 'DDS endpoint.',
      author: 'eloylp',
      source: 'https://github.com/eloylp/scirocco-server',
    });
  });

  describe('errors from the server', () => {
    it('a wrong token is auth', async () => {
      const error = (await client('aa', { token: 'wrong' }).info()).unwrapErr();
      expect(error).toMatchObject({ kind: 'auth', status: 403, retryable: false, operation: 'info' });
      expect(error.message).toBe('info GET /: 403 Incorrect auth token.');
    });

    it('an unknown id, or a second ack, is not-found with the message id', async () => {
      const a = client('aa');
      const error = (await a.ack('5823a70203c123003de4229b')).unwrapErr();
      expect(error).toMatchObject({ kind: 'not-found', status: 404, messageId: '5823a70203c123003de4229b' });
      expect(error.message).toBe(
        'ack PATCH /messageQueue/5823a70203c123003de4229b/ack: 404 Resource not found.',
      );
      const id = (await a.push('aa', 'x')).unwrap().metadata.id;
      await a.pull();
      (await a.ack(id)).unwrap();
      expect((await a.ack(id.toUpperCase())).unwrapErr()).toMatchObject({ kind: 'not-found', messageId: id });
      expect((await client('bb').get(id)).unwrapErr().kind).toBe('not-found');
    });

    it('an oversize body is payload-too-large', async () => {
      const error = (await client('aa').push('aa', 'x'.repeat(100 * 1024 + 1))).unwrapErr();
      expect(error).toMatchObject({ kind: 'payload-too-large', status: 413, retryable: false });
    });

    it('a header the server refuses is validation, with the server’s errors by field', async () => {
      clock.advance(3_600_000); // the server's clock runs an hour ahead of the client's
      const error = (
        await client('aa').push('aa', 'x', { scheduledAt: new Date(Date.now() + 60_000) })
      ).unwrapErr();
      expect(error).toMatchObject({ kind: 'validation', status: 400, retryable: false });
      expect(error.fieldErrors).toHaveProperty('scheduled_time');
      expect(error.message).toBe(
        'push POST /messageQueue: 400 Message validation failed: scheduled_time: Scheduled time must be in the future.',
      );
    });
  });

  it('names the operation and path in every message, with the client’s path prefix', async () => {
    const error = (await client('aa', { url: `${srv.url}/prefix/` }).list({ limit: 3 })).unwrapErr();
    expect(error.message).toBe('list GET /messages?limit=3: 404 Not Found');
  });
});
