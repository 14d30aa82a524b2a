import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { TransportFailure, type TransportRequest } from '../../lib/client/transport.js';
import { stubServer } from '../support/stub-server.js';
import { TRANSPORTS } from '../support/transports.js';

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
  });

const failureOf = async (pending: Promise<unknown>) => {
  const error = await pending.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(TransportFailure);
  return error as TransportFailure;
};

describe.each(TRANSPORTS)('the %s transport', (_, makeTransport) => {
  const get = (url: string, extra: Partial<TransportRequest> = {}): TransportRequest => ({
    method: 'GET',
    url,
    headers: { Authorization: 'T' },
    timeoutMs: 5_000,
    ...extra,
  });

  it('gives the status, any header by name in any case (the first of repeated ones) and the whole body', async () => {
    const big = Buffer.alloc(1_000_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 256;
    const stub = await stubServer((_req, res) => {
      res.writeHead(200, [
        ['Scirocco-Id', '5823a70203c123003de4229b'],
        ['X-Twice', 'first'],
        ['X-Twice', 'second'],
        ['Content-Type', 'application/octet-stream'],
      ]);
      // Several writes: the body arrives in many chunks.
      for (let offset = 0; offset < big.length; offset += 100_000)
        res.write(big.subarray(offset, offset + 100_000));
      res.end();
    });
    const answer = await makeTransport().request(get(stub.url));
    expect(answer.status).toBe(200);
    expect(answer.header('scirocco-id')).toBe('5823a70203c123003de4229b');
    expect(answer.header('Scirocco-Id')).toBe('5823a70203c123003de4229b');
    expect(answer.header('SCIROCCO-ID')).toBe('5823a70203c123003de4229b');
    expect(answer.header('x-twice')).toMatch(/^first/);
    expect(answer.header('x-absent')).toBeUndefined();
    expect(Object.getPrototypeOf(answer.body)).toBe(Uint8Array.prototype);
    expect(answer.body.byteLength).toBe(big.length);
    expect(Buffer.from(answer.body).equals(big)).toBe(true);
  });

  it('gives an empty body as zero bytes', async () => {
    const stub = await stubServer((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const answer = await makeTransport().request(get(stub.url));
    expect(answer.status).toBe(204);
    expect(answer.body.byteLength).toBe(0);
  });

  it('sends the method, path with query, headers and body as given; no body for a request without one', async () => {
    const seen: { method?: string; url?: string; auth?: string; length?: string; body: string }[] = [];
    const stub = await stubServer((req, res) => {
      void readBody(req).then((body) => {
        seen.push({
          method: req.method,
          url: req.url,
          auth: req.headers.authorization,
          length: req.headers['content-length'],
          body: body.toString('utf8'),
        });
        res.writeHead(204);
        res.end();
      });
    });
    const transport = makeTransport();
    await transport.request(get(`${stub.url}/base/messages?limit=5`));
    await transport.request(
      get(`${stub.url}/messageQueue`, { method: 'POST', body: new TextEncoder().encode('{"é":1}') }),
    );
    await transport.request(get(`${stub.url}/messages/ab`, { method: 'PATCH', body: 'text body' }));
    await transport.request(get(`${stub.url}/messageQueue/ab/ack`, { method: 'PATCH' }));
    await transport.request(get(`${stub.url}/messages`, { method: 'DELETE' }));
    expect(seen).toEqual([
      { method: 'GET', url: '/base/messages?limit=5', auth: 'T', length: undefined, body: '' },
      { method: 'POST', url: '/messageQueue', auth: 'T', length: '8', body: '{"é":1}' },
      { method: 'PATCH', url: '/messages/ab', auth: 'T', length: '9', body: 'text body' },
      { method: 'PATCH', url: '/messageQueue/ab/ack', auth: 'T', length: '0', body: '' },
      { method: 'DELETE', url: '/messages', auth: 'T', length: undefined, body: '' },
    ]);
  });

  it('leaves the fragment of a URL out of the request, as the URL standard does', async () => {
    const paths: (string | undefined)[] = [];
    const stub = await stubServer((req, res) => {
      paths.push(req.url);
      res.writeHead(204);
      res.end();
    });
    await makeTransport().request(get(`${stub.url}/a/b?x=1#fragment`));
    expect(paths).toEqual(['/a/b?x=1']);
  });

  it('a body that stops coming after the headers is a timeout', async () => {
    const stub = await stubServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': '100' });
      res.write(Buffer.alloc(10));
    });
    const failure = await failureOf(makeTransport().request(get(stub.url, { timeoutMs: 200 })));
    expect(failure.kind).toBe('timeout');
    expect(failure.message).toBe('no answer in time');
  });

  it('an answer cut off in the middle of its body is a network failure', async () => {
    const stub = await stubServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': '100' });
      res.write(Buffer.alloc(10), () => res.destroy());
    });
    const failure = await failureOf(makeTransport().request(get(stub.url)));
    expect(failure.kind).toBe('network');
  });

  it('an abort while the body is coming is aborted', async () => {
    const controller = new AbortController();
    const stub = await stubServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': '100' });
      // Abort once part of the body is on its way, not after a guessed time.
      res.write(Buffer.alloc(10), () => setTimeout(() => controller.abort(), 20));
    });
    const pending = makeTransport().request(get(stub.url, { signal: controller.signal }));
    const failure = await failureOf(pending);
    expect(failure.kind).toBe('aborted');
  });

  it('keeps answering after failures, on the same transport', async () => {
    let calls = 0;
    const stub = await stubServer((_req, res) => {
      if (++calls === 1) {
        res.destroy();
        return;
      }
      res.writeHead(204);
      res.end();
    });
    const transport = makeTransport();
    expect((await failureOf(transport.request(get(stub.url)))).kind).toBe('network');
    expect((await transport.request(get(stub.url))).status).toBe(204);
  });
});
