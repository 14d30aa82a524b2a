import { describe, expect, it } from 'vitest';
import { startServer } from '../../lib/server/start-server.js';
import { send } from '../support/http.js';
import { useServer } from '../support/server.js';

const APP = 'http://localhost:4200';
const EXPOSED =
  'Scirocco-Id, Scirocco-Node-Source, Scirocco-Node-Destination, Scirocco-Status, Scirocco-Tries, ' +
  'Scirocco-Payload-Type, Scirocco-Topic, Scirocco-Created-Time, Scirocco-Update-Time, ' +
  'Scirocco-Scheduled-Time, Scirocco-Processing-Time, Scirocco-Processed-Time, Scirocco-Error-Time, Scirocco-Trace-Parent, ' +
  'Location, ' +
  'Scirocco-Extensions';
const ALLOWED_HEADERS =
  'Authorization, Content-Type, Content-Encoding, Scirocco-Node-Source, Scirocco-Node-Destination, ' +
  'Scirocco-Payload-Type, Scirocco-Status, Scirocco-Scheduled-Time, Scirocco-Trace-Parent, Scirocco-Wait-Id';

const corsHeaders = (headers: Readonly<Record<string, string>>) =>
  Object.fromEntries(
    Object.entries(headers).filter(([name]) => name.startsWith('access-control-') || name === 'vary'),
  );

const preflight = (url: string, origin: string) =>
  send(url, {
    method: 'OPTIONS',
    path: '/messageQueue',
    anonymous: true,
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization,content-type,scirocco-node-source',
    },
  });

describe('CORS, off by default', () => {
  const srv = useServer();

  it('sends no CORS header and answers a preflight as any OPTIONS (403 without the token)', async () => {
    const pulled = await send(srv.url, {
      path: '/messageQueue',
      headers: { Origin: APP, 'Scirocco-Node-Source': 'af123' },
    });
    expect(pulled.status).toBe(204);
    expect(corsHeaders(pulled.headers)).toEqual({});
    const answer = await preflight(srv.url, APP);
    expect(answer.status).toBe(403);
    expect(corsHeaders(answer.headers)).toEqual({});
  });
});

describe('CORS for a list of origins', () => {
  const srv = useServer({ cors: [APP] });

  it('answers the preflight of an allowed origin with 204, before the token check', async () => {
    const answer = await preflight(srv.url, APP);
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    expect(corsHeaders(answer.headers)).toEqual({
      vary: 'Origin',
      'access-control-allow-origin': APP,
      'access-control-expose-headers': EXPOSED,
      'access-control-allow-methods': 'GET, HEAD, POST, PATCH, DELETE',
      'access-control-allow-headers': ALLOWED_HEADERS,
      'access-control-max-age': '600',
    });
  });

  it('lets an allowed origin read every metadata header of an answer, errors included', async () => {
    const headers = { Origin: APP, 'Scirocco-Node-Source': 'af123' };
    const pushed = await send(srv.url, {
      method: 'POST',
      path: '/messageQueue',
      headers: { ...headers, 'Scirocco-Node-Destination': 'af123', 'Content-Type': 'application/json' },
      body: '{"a":1}',
    });
    expect(pushed.status).toBe(201);
    expect(corsHeaders(pushed.headers)).toEqual({
      vary: 'Origin',
      'access-control-allow-origin': APP,
      'access-control-expose-headers': EXPOSED,
    });
    const refused = await send(srv.url, { path: '/messageQueue', anonymous: true, headers });
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBe(APP);
  });

  it('gives other origins nothing but Vary, and answers their preflight as any OPTIONS', async () => {
    const other = 'http://evil.example';
    const pulled = await send(srv.url, {
      path: '/messageQueue',
      headers: { Origin: other, 'Scirocco-Node-Source': 'af123' },
    });
    expect(corsHeaders(pulled.headers)).toEqual({ vary: 'Origin' });
    const answer = await preflight(srv.url, other);
    expect(answer.status).toBe(403);
    expect(corsHeaders(answer.headers)).toEqual({ vary: 'Origin' });
    const noOrigin = await send(srv.url, { path: '/' });
    expect(corsHeaders(noOrigin.headers)).toEqual({ vary: 'Origin' });
  });

  it('keeps the original OPTIONS answer for a request that is not a preflight', async () => {
    const answer = await send(srv.url, {
      method: 'OPTIONS',
      path: '/messageQueue',
      headers: { Origin: APP },
    });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('GET,HEAD,POST');
  });
});

describe('CORS for any origin', () => {
  const srv = useServer({ cors: '*' });

  it('answers with *, and no Vary', async () => {
    const answer = await preflight(srv.url, 'http://anywhere.example:8080');
    expect(answer.status).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers.vary).toBeUndefined();
    const pulled = await send(srv.url, {
      path: '/messageQueue',
      headers: { Origin: 'http://anywhere.example:8080', 'Scirocco-Node-Source': 'af123' },
    });
    expect(corsHeaders(pulled.headers)).toEqual({
      'access-control-allow-origin': '*',
      'access-control-expose-headers': EXPOSED,
    });
  });
});

describe('CORS options', () => {
  it.each([
    [[], "cors must be '*' or a non-empty list of origins such as 'http://localhost:4200'"],
    [
      ['http://localhost:4200/'],
      `cors origin "http://localhost:4200/" is not an origin such as 'http://localhost:4200' (scheme, host and port only)`,
    ],
    [
      ['localhost:4200'],
      `cors origin "localhost:4200" is not an origin such as 'http://localhost:4200' (scheme, host and port only)`,
    ],
  ])('refuses %j before listening', async (cors, message) => {
    await expect(startServer({ cors })).rejects.toThrow(new TypeError(message));
  });
});
