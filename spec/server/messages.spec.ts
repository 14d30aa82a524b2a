import { describe, expect, it } from 'vitest';
import { nodeClient, send, type WireResponse } from '../support/http.js';
import { useServer } from '../support/server.js';

const idOf = (res: WireResponse) => res.headers['scirocco-id']!;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
type Item = Record<string, unknown>;

describe('GET /messages/:id (show)', () => {
  const srv = useServer();

  it('shows a message to its source and its destination only', async () => {
    const a = nodeClient(srv.url, 'aa');
    const b = nodeClient(srv.url, 'bb');
    const c = nodeClient(srv.url, 'cc');
    const id = idOf(await a.push('bb', { x: 1 }));
    for (const node of [a, b]) {
      const res = await node.show(id);
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({ x: 1 });
      expect(res.headers['scirocco-status']).toBe('pending');
    }
    const other = await c.show(id);
    expect(other.status).toBe(404);
    expect(other.json()).toEqual({ message: 'Resource not found.' });
    expect((await a.show('5823a70203c123003de4229b')).status).toBe(404);
  });

  it('answers text as text/html and bytes as base64 JSON', async () => {
    const a = nodeClient(srv.url, 'aa');
    const text = await a.show(idOf(await a.push('aa', '["json-looking text"]')));
    expect(text.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(text.text).toBe('["json-looking text"]');
    const bytes = await a.show(idOf(await a.push('aa', new Uint8Array([104, 105]))));
    expect(bytes.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(bytes.json()).toBe('aGk=');
  });
});

describe('GET /messages (list)', () => {
  const srv = useServer({ limits: { maxListMessages: 10 } });

  it('answers 204 with an empty body when the caller has no message', async () => {
    const res = await nodeClient(srv.url, 'aa').list();
    expect(res.status).toBe(204);
    expect(res.body.length).toBe(0);
  });

  it('lists messages the caller sent or receives, oldest first, with field names and ISO dates', async () => {
    const a = nodeClient(srv.url, 'aa');
    const b = nodeClient(srv.url, 'bb');
    const c = nodeClient(srv.url, 'cc');
    await a.push('bb', { n: 1 });
    await b.push('aa', 'two');
    await c.push('cc', { n: 3 });
    await b.push('cc', new Uint8Array([1, 2, 3]), { 'Scirocco-Payload-Type': 'blob' });
    await b.pull();
    const res = await b.list();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const items = res.json<Item[]>();
    expect(items.map((item) => item.payload)).toEqual([{ n: 1 }, 'two', 'AQID']);
    const [first] = items;
    expect(Object.keys(first!).sort()).toEqual(
      [
        '_id',
        'content_type',
        'created_time',
        'node_destination',
        'node_source',
        'payload',
        'payload_type',
        'processing_time',
        'status',
        'tries',
        'update_time',
      ].sort(),
    );
    expect(first).toMatchObject({
      node_source: 'aa',
      node_destination: 'bb',
      status: 'processing',
      tries: 1,
      payload_type: 'application/json',
      content_type: 'application/json',
    });
    expect(first!.created_time).toMatch(ISO);
    expect(first!.processing_time).toMatch(ISO);
    expect(items[1]).toMatchObject({ content_type: 'text/plain', payload_type: 'text/plain' });
    expect(items[2]).toMatchObject({ content_type: 'application/octet-stream', payload_type: 'blob' });
    expect(items[1]).not.toHaveProperty('update_time');
  });

  it.each([
    ['', 10],
    ['?limit=3', 3],
    ['?limit=0', 10],
    ['?limit=abc', 10],
    ['?limit=11', 10],
    ['?limit=2.9', 2],
    ['?limit=1e1', 1],
    ['?limit=0x5', 5],
    ['?limit=-4', 4],
    ['?limit=-400', 10],
    ['?limit=3&limit=4', 10],
  ])('reads the limit %j as the original does: %i messages', async (query, count) => {
    const a = nodeClient(srv.url, 'aa');
    for (let i = 0; i < 12; i++) await a.push('aa', { i });
    const items = (await a.list(query)).json<Item[]>();
    expect(items.map((item) => item.payload)).toEqual(Array.from({ length: count }, (_, i) => ({ i })));
  });
});

describe('PATCH /messages/:id (update)', () => {
  const srv = useServer();

  it('replaces the payload of a waiting message for its source, keeps its payload type, sets update time', async () => {
    const a = nodeClient(srv.url, 'aa');
    const id = idOf(await a.push('bb', { v: 1 }, { 'Scirocco-Payload-Type': 'reading' }));
    const res = await a.update(id, '{"v":2}');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ v: 2 });
    expect(res.headers['scirocco-payload-type']).toBe('reading');
    expect(res.headerNames).toContain('Scirocco-Update-Time');
    expect((await nodeClient(srv.url, 'bb').pull()).json()).toEqual({ v: 2 });
  });

  it('changes the kind of payload with the Content-Type, parameters allowed', async () => {
    const a = nodeClient(srv.url, 'aa');
    const id = idOf(await a.push('bb', { v: 1 }));
    const text = await a.update(id, 'now text', 'text/plain; charset=utf-8');
    expect(text.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(text.text).toBe('now text');
    const json = await a.update(id, '[1]', 'application/json; charset=utf-8');
    expect(json.json()).toEqual([1]);
  });

  it('stores an empty object when the Content-Type is missing or unknown', async () => {
    const a = nodeClient(srv.url, 'aa');
    const id = idOf(await a.push('bb', 'text'));
    const res = await a.send({ method: 'PATCH', path: `/messages/${id}`, body: 'ignored' });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({});
    const csv = await a.update(id, 'a,b', 'text/csv');
    expect(csv.json()).toEqual({});
  });

  it('refuses the destination, other nodes, and messages already claimed', async () => {
    const a = nodeClient(srv.url, 'aa');
    const b = nodeClient(srv.url, 'bb');
    const id = idOf(await a.push('bb', { v: 1 }));
    expect((await b.update(id, '{}')).status).toBe(404);
    expect((await nodeClient(srv.url, 'cc').update(id, '{}')).status).toBe(404);
    await b.pull();
    const claimed = await a.update(id, '{}');
    expect(claimed.status).toBe(404);
    expect(claimed.json()).toEqual({ message: 'Resource not found.' });
  });

  it('answers 400 for malformed JSON', async () => {
    const a = nodeClient(srv.url, 'aa');
    const id = idOf(await a.push('bb', { v: 1 }));
    expect((await a.update(id, '{"v":')).status).toBe(400);
  });
});

describe('DELETE /messages/:id, DELETE /messages, DELETE /globalDataSpace', () => {
  const srv = useServer();

  it('deletes one waiting message of the caller’s: {"n":1,"ok":1}, otherwise n 0, never 404', async () => {
    const a = nodeClient(srv.url, 'aa');
    const b = nodeClient(srv.url, 'bb');
    const id = idOf(await a.push('bb', 'x'));
    const byDestination = await b.remove(id);
    expect(byDestination.status).toBe(200);
    expect(byDestination.json()).toEqual({ n: 0, ok: 1 });
    expect((await a.remove(id)).json()).toEqual({ n: 1, ok: 1 });
    expect((await a.remove(id)).json()).toEqual({ n: 0, ok: 1 });
    expect((await a.remove('5823a70203c123003de4229b')).json()).toEqual({ n: 0, ok: 1 });
    const claimedId = idOf(await a.push('bb', 'y'));
    await b.pull();
    expect((await a.remove(claimedId)).json()).toEqual({ n: 0, ok: 1 });
  });

  it('deletes all the caller’s waiting messages, and only those', async () => {
    const a = nodeClient(srv.url, 'aa');
    const b = nodeClient(srv.url, 'bb');
    await a.push('bb', '1');
    await a.push('bb', '2', {
      'Scirocco-Status': 'scheduled',
      'Scirocco-Scheduled-Time': new Date(Date.now() + 60_000).toISOString(),
    });
    await a.push('bb', '3');
    await b.push('aa', 'from b');
    await b.pull(); // claims '1'
    const res = await a.removeAll();
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ ok: 1, n: 2 });
    const left = (await a.list()).json<Item[]>().map((item) => item.payload);
    expect(left).toEqual(['1', 'from b']);
  });

  it('wipes every message of every node', async () => {
    const a = nodeClient(srv.url, 'aa');
    await a.push('bb', '1');
    await nodeClient(srv.url, 'cc').push('dd', '2');
    const res = await send(srv.url, { method: 'DELETE', path: '/globalDataSpace' });
    expect(res.json()).toEqual({ ok: 1, n: 2 });
    expect((await a.list()).status).toBe(204);
    expect((await send(srv.url, { method: 'DELETE', path: '/globalDataSpace' })).json()).toEqual({
      ok: 1,
      n: 0,
    });
  });
});
