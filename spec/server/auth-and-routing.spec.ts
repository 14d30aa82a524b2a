import { describe, expect, it } from 'vitest';
import { nodeClient, send } from '../support/http.js';
import { useServer } from '../support/server.js';

const INVALID_TYPE =
  'Please, specify a valid Content-Type values. Valid choices are .. text/plain, application/json, application/octet-stream';

describe('authentication', () => {
  const srv = useServer({ token: 's3cret-token' });

  it.each([
    ['GET', '/'],
    ['GET', '/messageQueue'],
    ['POST', '/messageQueue'],
    ['PATCH', '/messageQueue/5823a70203c123003de4229b/ack'],
    ['GET', '/messages'],
    ['DELETE', '/messages'],
    ['GET', '/messages/5823a70203c123003de4229b'],
    ['PATCH', '/messages/5823a70203c123003de4229b'],
    ['DELETE', '/messages/5823a70203c123003de4229b'],
    ['DELETE', '/globalDataSpace'],
    ['GET', '/no-such-route'],
  ])('answers %s %s with 403 without the token', async (method, path) => {
    const res = await send(srv.url, {
      method,
      path,
      anonymous: true,
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(res.status).toBe(403);
    expect(res.json()).toEqual({ message: 'Incorrect auth token.' });
  });

  it.each(['DEFAULT_TOKEN', 's3cret-toke', 's3cret-token2', 'Bearer s3cret-token', 'S3CRET-TOKEN', ''])(
    'refuses the token %j',
    async (token) => {
      const res = await send(srv.url, { anonymous: true, headers: { Authorization: token } });
      expect(res.status).toBe(403);
    },
  );

  it('accepts the token verbatim and answers GET / with the server info', async () => {
    const res = await send(srv.url, { anonymous: true, headers: { Authorization: 's3cret-token' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json()).toEqual({
      name: 'DDS endpoint.',
      author: 'eloylp',
      source: 'https://github.com/eloylp/scirocco-server',
    });
  });

  it('reads the body before the token, as the original does: 400 for bad JSON even without a token', async () => {
    const res = await send(srv.url, {
      method: 'POST',
      path: '/messageQueue',
      anonymous: true,
      headers: { 'Content-Type': 'application/json' },
      body: '{bad',
    });
    expect(res.status).toBe(400);
  });
});

describe('the Content-Type check of POST requests', () => {
  const srv = useServer();

  it.each([
    'application/json; charset=utf-8',
    'text/plain;charset=utf-8',
    'Application/JSON',
    'text/html',
    'application/x-www-form-urlencoded',
  ])('refuses %j with 400 and the exact message', async (type) => {
    const a = nodeClient(srv.url, 'af123');
    const res = await a.push('af123', '{}', { 'Content-Type': type });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ message: INVALID_TYPE });
  });

  it('refuses a POST without Content-Type', async () => {
    const res = await send(srv.url, { method: 'POST', path: '/messageQueue', body: '' });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ message: INVALID_TYPE });
  });

  it('checks every POST, even to an unknown route', async () => {
    const res = await send(srv.url, {
      method: 'POST',
      path: '/nowhere',
      headers: { 'Content-Type': 'text/csv' },
    });
    expect(res.status).toBe(400);
  });
});

describe('routing', () => {
  const srv = useServer();

  it('answers unknown routes with 404 Not Found', async () => {
    for (const path of [
      '/nope',
      '/messages/5823a70203c123003de4229b/extra',
      '/messageQueue/abc/nack',
      '/batches',
    ]) {
      const res = await send(srv.url, { path });
      expect(res.status, path).toBe(404);
      expect(res.json()).toEqual({ message: 'Not Found' });
    }
  });

  it('answers an unknown method on a known path with 404 Not Found, not 405', async () => {
    for (const [method, path] of [
      ['PUT', '/messageQueue'],
      ['DELETE', '/messageQueue'],
      ['POST', '/messages'],
      ['GET', '/globalDataSpace'],
      ['GET', '/messageQueue/5823a70203c123003de4229b/ack'],
    ] as const) {
      const res = await send(srv.url, { method, path, headers: { 'Content-Type': 'text/plain' } });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json()).toEqual({ message: 'Not Found' });
    }
  });

  it('answers OPTIONS with 200 and the allowed methods', async () => {
    const res = await send(srv.url, { method: 'OPTIONS', path: '/messageQueue' });
    expect(res.status).toBe(200);
    expect(res.headers.allow).toBe('GET,HEAD,POST');
  });

  it('matches paths case-insensitively, with trailing and doubled slashes', async () => {
    const a = nodeClient(srv.url, 'af123');
    expect((await a.push('af123', 'x')).status).toBe(201);
    for (const path of ['/MessageQueue/', '/MESSAGEQUEUE', '//messageQueue']) {
      await a.push('af123', 'x');
      expect((await a.send({ path })).status, path).toBe(200);
    }
    expect((await a.send({ path: '/Messages/' })).status).toBe(200);
  });

  it('matches route names only as written: percent-encoded names are unknown routes, as in the original', async () => {
    const a = nodeClient(srv.url, 'af123');
    await a.push('af123', 'x');
    await a.push('af124', 'y');
    const id = (await a.push('af123', 'z')).headers['scirocco-id']!;
    for (const [method, path] of [
      ['DELETE', '/%67lobalDataSpace'],
      ['DELETE', '/globalData%53pace'],
      ['GET', '/%6DessageQueue'],
      ['GET', '/message%51ueue'],
      ['GET', '/%6Dessages'],
      ['DELETE', '/messag%65s'],
      ['PATCH', `/messageQueue/${id}/%61ck`],
      ['GET', `/%6Dessages/${id}`],
    ] as const) {
      const res = await a.send({ method, path });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json()).toEqual({ message: 'Not Found' });
    }
    const list = (await a.list()).json<{ status: string }[]>();
    expect(list.map((m) => m.status)).toEqual(['pending', 'pending', 'pending']);
  });

  it('percent-decodes id segments', async () => {
    const a = nodeClient(srv.url, 'af123');
    const id = (await a.push('af123', 'x')).headers['scirocco-id']!;
    const encoded = `%${id.charCodeAt(0).toString(16)}${id.slice(1)}`;
    const res = await a.show(encoded);
    expect(res.status).toBe(200);
    expect(res.headers['scirocco-id']).toBe(id);
    expect((await a.show('%zz')).status).toBe(404);
  });

  it('matches message ids case-insensitively', async () => {
    const a = nodeClient(srv.url, 'af123');
    const id = (await a.push('af123', 'x')).headers['scirocco-id']!;
    const res = await a.show(id.toUpperCase());
    expect(res.status).toBe(200);
    expect(res.headers['scirocco-id']).toBe(id);
    expect((await a.send({ path: `//messages//${id}/` })).status).toBe(200);
  });

  it('answers ids with a non-hex character as an unknown route', async () => {
    const a = nodeClient(srv.url, 'af123');
    for (const res of [
      await a.show('5823a70203c123003de4229z'),
      await a.ack('xyz'),
      await a.remove('nothex!'),
    ]) {
      expect(res.status).toBe(404);
      expect(res.json()).toEqual({ message: 'Not Found' });
    }
  });

  it('answers hex ids that are not 24 characters with 404 Resource not found (the original answered 500)', async () => {
    const a = nodeClient(srv.url, 'af123');
    for (const res of [
      await a.show('abc'),
      await a.ack('abc'),
      await a.update('abc', '{}'),
      await a.remove('abc'),
    ]) {
      expect(res.status).toBe(404);
      expect(res.json()).toEqual({ message: 'Resource not found.' });
    }
  });

  it('never claims a message on HEAD /messageQueue', async () => {
    const a = nodeClient(srv.url, 'af123');
    await a.push('af123', 'x');
    const head = await a.send({ method: 'HEAD', path: '/messageQueue' });
    expect(head.status).toBe(204);
    const list = (await a.list()).json<{ status: string }[]>();
    expect(list.map((m) => m.status)).toEqual(['pending']);
  });

  it('answers HEAD like GET elsewhere, without a body', async () => {
    const res = await send(srv.url, { method: 'HEAD', path: '/' });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
  });

  it('never answers a pull with 304, whatever the conditional headers', async () => {
    const a = nodeClient(srv.url, 'af123');
    await a.push('af123', { n: 1 });
    const res = await a.send({
      path: '/messageQueue',
      headers: { 'If-None-Match': '*', 'If-Modified-Since': new Date().toUTCString() },
    });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ n: 1 });
    expect(res.headers.etag).toBeUndefined();
  });
});
