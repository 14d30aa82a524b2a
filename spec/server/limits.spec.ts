import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { nodeClient, TOKEN } from '../support/http.js';
import { useServer } from '../support/server.js';

const KB = 1024;

/** Streams a body in chunks without Content-Length, so the server only learns its size by reading. */
function sendChunked(
  url: string,
  contentType: string,
  chunks: Buffer[],
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/messageQueue', url),
      {
        method: 'POST',
        headers: {
          Authorization: TOKEN,
          'Content-Type': contentType,
          'Scirocco-Node-Source': 'af',
          'Scirocco-Node-Destination': 'af',
          'Transfer-Encoding': 'chunked',
        },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('body size limits', () => {
  const srv = useServer({ limits: { jsonKb: 2, textKb: 3, rawKb: 4 } });

  it.each([
    ['application/json', 2, (size: number) => `{"a":"${'x'.repeat(size - 8)}"}`],
    ['text/plain', 3, (size: number) => 'x'.repeat(size)],
    ['application/octet-stream', 4, (size: number) => new Uint8Array(size)],
  ])('accepts %s bodies up to %i kB and answers 413 above', async (type, kb, make) => {
    const a = nodeClient(srv.url, 'af');
    const atLimit = await a.push('af', make(kb * KB), { 'Content-Type': type });
    expect(atLimit.status).toBe(201);
    const over = await a.push('af', make(kb * KB + 1), { 'Content-Type': type });
    expect(over.status).toBe(413);
    expect(over.json()).toEqual({ message: 'request entity too large' });
    expect((await a.send()).status).toBe(200); // still answering
  });

  it('answers 413 for a chunked body that turns out too large', async () => {
    const res = await sendChunked(srv.url, 'text/plain', [
      Buffer.alloc(2 * KB, 'a'),
      Buffer.alloc(2 * KB, 'b'),
    ]);
    expect(res.status).toBe(413);
    expect((await nodeClient(srv.url, 'af').send()).status).toBe(200);
  });

  it('applies the limit to the inflated size of a compressed body', async () => {
    const bomb = new Uint8Array(gzipSync(Buffer.alloc(1024 * KB)));
    expect(bomb.length).toBeLessThan(2 * KB);
    const res = await nodeClient(srv.url, 'af').push('af', bomb, {
      'Content-Type': 'application/octet-stream',
      'Content-Encoding': 'gzip',
    });
    expect(res.status).toBe(413);
  });

  it('answers 400 for a body that cannot be inflated', async () => {
    const res = await nodeClient(srv.url, 'af').push('af', 'not gzip', { 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ message: 'the gzip body cannot be inflated' });
  });

  it('answers 415 for an unknown Content-Encoding and a JSON charset that is not UTF', async () => {
    const a = nodeClient(srv.url, 'af');
    const br = await a.push('af', 'x', { 'Content-Encoding': 'br' });
    expect(br.status).toBe(415);
    expect(br.json()).toEqual({ message: 'unsupported content encoding "BR"' });
    const id = (await a.push('af', { v: 1 })).headers['scirocco-id']!;
    const latin = await a.update(id, '{"v":2}', 'application/json; charset=latin1');
    expect(latin.status).toBe(415);
    expect(latin.json()).toEqual({ message: 'unsupported charset "LATIN1"' });
  });

  it('answers 400 for malformed JSON and for JSON that is not an object or array', async () => {
    const a = nodeClient(srv.url, 'af');
    for (const body of ['{"a":', '"a string"', '42', 'null', 'true']) {
      const res = await a.push('af', body, { 'Content-Type': 'application/json' });
      expect(res.status, body).toBe(400);
      expect(typeof res.json<{ message: string }>().message).toBe('string');
    }
  });
});

describe('default limits', () => {
  const srv = useServer();

  it('are the original’s: 100 kB JSON and text, 1000 kB raw', async () => {
    const a = nodeClient(srv.url, 'af');
    expect((await a.push('af', 'x'.repeat(100 * KB))).status).toBe(201);
    expect((await a.push('af', 'x'.repeat(100 * KB + 1))).status).toBe(413);
    expect((await a.push('af', new Uint8Array(1000 * KB))).status).toBe(201);
    expect((await a.push('af', new Uint8Array(1000 * KB + 1))).status).toBe(413);
    const json = `[${'1,'.repeat(50 * KB)}1]`;
    expect((await a.push('af', json, { 'Content-Type': 'application/json' })).status).toBe(413);
  });
});
