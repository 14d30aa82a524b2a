import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../lib/server/memory-store.js';
import { startServer, type RunningServer } from '../../lib/server/start-server.js';
import { nodeClient, send, type WireResponse } from '../support/http.js';
import { manualClock, useServer } from '../support/server.js';
import { testStore } from '../support/test-store.js';

type Client = ReturnType<typeof nodeClient>;
const idOf = (res: WireResponse) => res.headers['scirocco-id'] ?? '';
const settle = (client: Client, verb: 'ack' | 'nack', body: unknown, contentType = 'application/json') =>
  client.send({
    method: 'PATCH',
    path: `/messageQueue/batch/${verb}`,
    headers: { 'Content-Type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
interface Item {
  readonly id: unknown;
  readonly status: number;
  readonly message?: string;
  readonly metadata?: { readonly _id: string; readonly status: string; readonly tries: number };
}
const items = (res: WireResponse) => res.json<Item[]>();
const outline = (res: WireResponse) =>
  items(res).map((item) => [item.id, item.status, item.metadata?.status ?? item.message]);

/** Pushes `n` messages to the client's own node and claims them: their ids. */
async function claimed(client: Client, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(idOf(await client.push(client.node, { i })));
  for (let i = 0; i < n; i++) expect((await client.pull()).status).toBe(200);
  return ids;
}

describe('PATCH /messageQueue/batch/ack (the batch-ack extension)', () => {
  const clock = manualClock();
  const srv = useServer({ clock: clock.now });

  it('acks each id, in the order sent, with its metadata and no payload', async () => {
    const a = nodeClient(srv.url, 'af123');
    const ids = await claimed(a, 3);
    const res = await settle(a, 'ack', { ids: [ids[2], ids[0], ids[1]] });
    expect([res.status, res.headers['content-type']]).toEqual([200, 'application/json; charset=utf-8']);
    expect(outline(res)).toEqual([ids[2], ids[0], ids[1]].map((id) => [id, 200, 'processed']));
    expect(items(res)[0]).not.toHaveProperty('metadata.payload');
    for (const id of ids) expect((await a.show(id)).headers['scirocco-status']).toBe('processed');
  });

  it('answers each id that cannot be acked 404 on its own: one bad id never fails the others', async () => {
    const a = nodeClient(srv.url, 'af123');
    const b = nodeClient(srv.url, 'bc456');
    const [mine = ''] = await claimed(a, 1);
    const [others = ''] = await claimed(b, 1);
    const pending = idOf(await a.push('af123', 'not claimed'));
    const res = await settle(a, 'ack', {
      ids: [others, 'not-an-id', 42, pending, mine, mine.toUpperCase(), '0'.repeat(24)],
    });
    const missing = 'Resource not found.';
    expect(outline(res)).toEqual([
      [others, 404, missing], // another node's
      ['not-an-id', 404, missing],
      [42, 404, missing],
      [pending, 404, missing], // not processing
      [mine, 200, 'processed'],
      [mine.toUpperCase(), 404, missing], // the same message, already acked
      ['0'.repeat(24), 404, missing],
    ]);
    expect((await b.show(others)).headers['scirocco-status']).toBe('processing');
    expect((await a.show(pending)).headers['scirocco-status']).toBe('pending');
  });

  it.each([
    [
      'a body that is not JSON',
      'ids=1',
      'text/plain',
      'body',
      'The body must be a JSON object: {"ids": [...]}.',
    ],
    ['a JSON array', '["x"]', 'application/json', 'body', 'The body must be a JSON object: {"ids": [...]}.'],
    ['no ids', '{}', 'application/json', 'ids', 'ids must be an array of 1 to 100 message ids.'],
    [
      'ids that are not an array',
      '{"ids":"x"}',
      'application/json',
      'ids',
      'ids must be an array of 1 to 100 message ids.',
    ],
    [
      'no id at all',
      '{"ids":[]}',
      'application/json',
      'ids',
      'ids must be an array of 1 to 100 message ids.',
    ],
    [
      'too many ids',
      JSON.stringify({ ids: Array(101).fill('0'.repeat(24)) }),
      'application/json',
      'ids',
      'ids must be an array of 1 to 100 message ids.',
    ],
  ])(
    'refuses %s with 400 Validation failed, and acks nothing',
    async (_, body, contentType, field, message) => {
      const a = nodeClient(srv.url, 'af123');
      const [id = ''] = await claimed(a, 1);
      const res = await settle(a, 'ack', body, contentType);
      expect(res.status).toBe(400);
      expect(res.json()).toMatchObject({
        message: 'Validation failed',
        errors: { [field]: { message, path: field } },
      });
      expect((await a.show(id)).headers['scirocco-status']).toBe('processing');
    },
  );

  it('answers malformed JSON 400, as every JSON body, and acks nothing', async () => {
    const a = nodeClient(srv.url, 'af123');
    const [id = ''] = await claimed(a, 1);
    const res = await settle(a, 'ack', `{"ids":["${id}"`);
    expect(res.status).toBe(400);
    expect((await a.show(id)).headers['scirocco-status']).toBe('processing');
  });

  it('acks nothing without a node: every id is answered 404', async () => {
    const a = nodeClient(srv.url, 'af123');
    const [id = ''] = await claimed(a, 1);
    const res = await send(srv.url, {
      method: 'PATCH',
      path: '/messageQueue/batch/ack',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ids: [id] }),
    });
    expect(outline(res)).toEqual([[id, 404, 'Resource not found.']]);
    expect((await a.show(id)).headers['scirocco-status']).toBe('processing');
  });

  it('acks 100 messages claimed by 4 callers at once, each exactly once', async () => {
    const a = nodeClient(srv.url, 'af123');
    const ids = await claimed(a, 100);
    const answers = await Promise.all([0, 1, 2, 3].map(() => settle(a, 'ack', { ids })));
    const acked = answers.flatMap((res) =>
      items(res)
        .filter((item) => item.status === 200)
        .map((item) => item.id),
    );
    expect(acked.toSorted()).toEqual(ids.toSorted());
  });
});

describe('PATCH /messageQueue/batch/nack', () => {
  const clock = manualClock();
  const srv = useServer({ clock: clock.now });

  it('gives each message back, tries kept, due at once or after the delay', async () => {
    const a = nodeClient(srv.url, 'af123');
    const ids = await claimed(a, 2);
    const res = await settle(a, 'nack', { ids });
    expect(outline(res)).toEqual(ids.map((id) => [id, 200, 'pending']));
    expect(items(res).map((item) => item.metadata?.tries)).toEqual([1, 1]);
    expect((await a.pull()).headers['scirocco-id']).toBe(ids[0]);
    const later = await settle(a, 'nack', { ids: [ids[0]], delay: 60_000 });
    expect(outline(later)).toEqual([[ids[0], 200, 'scheduled']]);
    expect((await a.pull()).headers['scirocco-id']).toBe(ids[1]);
    expect((await a.pull()).status).toBe(204);
    clock.advance(60_000);
    expect((await a.pull()).headers['scirocco-id']).toBe(ids[0]);
  });

  it.each([[-1], [1.5], ['10'], [null]])(
    'refuses a delay of %j with 400, and nacks nothing',
    async (delay) => {
      const a = nodeClient(srv.url, 'af123');
      const [id = ''] = await claimed(a, 1);
      const res = await settle(a, 'nack', { ids: [id], delay });
      expect(res.status).toBe(400);
      expect(res.json()).toMatchObject({
        errors: { delay: { message: 'The delay must be a whole number of milliseconds.', value: delay } },
      });
      expect((await a.show(id)).headers['scirocco-status']).toBe('processing');
    },
  );
});

describe('the batch-ack extension: discovery', () => {
  const servers: RunningServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('advertises a list’s limit as the most ids of a batch', async () => {
    const server = await startServer({ ...testStore(), limits: { maxListMessages: 2 } });
    servers.push(server);
    expect((await send(server.url)).headers['scirocco-extensions']).toContain('batch-ack=2');
    const a = nodeClient(server.url, 'af123');
    const res = await settle(a, 'ack', { ids: ['a', 'b', 'c'] });
    expect(res.json()).toMatchObject({
      errors: { ids: { message: 'ids must be an array of 1 to 2 message ids.' } },
    });
  });

  it('is an unknown route on a plain server; batch nack is one where the store cannot nack', async () => {
    const plain = await startServer({ ...testStore(), plain: true });
    const noNack = await startServer({ store: { ...createMemoryStore(), nack: undefined } });
    servers.push(plain, noNack);
    const a = nodeClient(plain.url, 'af123');
    const [id = ''] = await claimed(a, 1);
    for (const verb of ['ack', 'nack'] as const) {
      const res = await settle(a, verb, { ids: [id] });
      expect([res.status, res.json()]).toEqual([404, { message: 'Not Found' }]);
    }
    expect((await a.show(id)).headers['scirocco-status']).toBe('processing');
    expect((await send(noNack.url)).headers['scirocco-extensions']).toBe(
      'batch-pull=100, long-poll=20000, batch-ack=100, batch-push=100, batch-push-kb=1024, summary, trace-context',
    );
    const b = nodeClient(noNack.url, 'af123');
    const [other = ''] = await claimed(b, 1);
    expect((await settle(b, 'nack', { ids: [other] })).status).toBe(404);
    expect(outline(await settle(b, 'ack', { ids: [other] }))).toEqual([[other, 200, 'processed']]);
  });
});
