import { connect } from 'node:net';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../lib/server/memory-store.js';
import { startServer } from '../../lib/server/start-server.js';
import { limitsFromEnv, resolveLimits } from '../../lib/server/server-limits.js';
import { send } from '../support/http.js';

describe('startServer', () => {
  it('listens on a free port of 127.0.0.1 by default and reports the real url', async () => {
    const server = await startServer();
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.port).toBeGreaterThan(0);
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      expect((await send(server.url)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('writes IPv6 hosts in brackets', async () => {
    const server = await startServer({ host: '::1' });
    try {
      expect(server.url).toBe(`http://[::1]:${server.port}`);
    } finally {
      await server.close();
    }
  });

  it('keeps the token out of its string forms', async () => {
    const server = await startServer({ token: 'super-secret-value' });
    try {
      expect(inspect(server, { depth: 10, showHidden: true })).not.toContain('super-secret-value');
      expect(JSON.stringify(server)).not.toContain('super-secret-value');
    } finally {
      await server.close();
    }
  });

  it('refuses a bad port or token before listening', async () => {
    await expect(startServer({ port: 70_000 })).rejects.toThrow(
      'port must be a whole number from 0 to 65535, got 70000',
    );
    await expect(startServer({ port: 1.5 })).rejects.toThrow(RangeError);
    await expect(startServer({ token: '' })).rejects.toThrow(
      'token must be a non-empty string of printable ASCII characters',
    );
    await expect(startServer({ token: 'a\r\nb' })).rejects.toThrow(TypeError);
    await expect(startServer({ limits: { jsonKb: 0 } })).rejects.toThrow(
      'limits.jsonKb must be a positive whole number, got 0',
    );
  });

  it('rejects when the port is taken', async () => {
    const first = await startServer();
    try {
      await expect(startServer({ port: first.port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });

  it('closes once however often close() is called, closes the store, and refuses connections after', async () => {
    let closed = 0;
    const store = {
      ...createMemoryStore(),
      close: () => {
        closed++;
        return Promise.resolve();
      },
    };
    const server = await startServer({ store });
    await send(server.url); // leaves a keep-alive connection open
    await Promise.all([server.close(), server.close()]);
    await server.close();
    expect(closed).toBe(1);
    const refused = await new Promise<string>((resolve) => {
      connect(server.port, server.host).on('error', (error: NodeJS.ErrnoException) =>
        resolve(error.code ?? ''),
      );
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('lets a request in flight finish before closing', async () => {
    const inner = createMemoryStore();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let arrived: () => void = () => undefined;
    const atStore = new Promise<void>((resolve) => (arrived = resolve));
    const store = {
      ...inner,
      list: async (node: string, limit: number) => (arrived(), await gate, inner.list(node, limit)),
    };
    const server = await startServer({ store });
    const inFlight = send(server.url, { path: '/messages', headers: { 'Scirocco-Node-Source': 'aa' } });
    await atStore; // the request is in flight, not after a guessed time
    const closing = server.close();
    release();
    expect((await inFlight).status).toBe(204);
    await closing;
  });

  it('answers 500 without details when the store fails, and logs it', async () => {
    const lines: string[] = [];
    const store = { ...createMemoryStore(), wipe: () => Promise.reject(new Error('disk on fire')) };
    const server = await startServer({ store, log: (line) => lines.push(line) });
    try {
      const res = await send(server.url, { method: 'DELETE', path: '/globalDataSpace' });
      expect(res.status).toBe(500);
      expect(res.json()).toEqual({ message: 'Internal Server Error' });
      expect(lines.some((line) => line.includes('disk on fire'))).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('logs one line per request with method, path, status and duration, never a header', async () => {
    const lines: string[] = [];
    const server = await startServer({ token: 'tok-123', log: (line) => lines.push(line) });
    try {
      await send(server.url, {
        path: '/messages?limit=2',
        anonymous: true,
        headers: { Authorization: 'tok-123', 'Scirocco-Node-Source': 'aa' },
      });
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\S+Z GET \/messages\?limit=2 204 \d+\.\d ms$/);
      expect(lines.join('\n')).not.toContain('tok-123');
    } finally {
      await server.close();
    }
  });
});

describe('limits', () => {
  it('reads the original environment variables', () => {
    expect(
      limitsFromEnv({
        SCIROCCO_MAX_KB_SIZE_JSON: '1',
        SCIROCCO_MAX_KB_SIZE_TEXT: '2',
        SCIROCCO_MAX_KB_SIZE_RAW: '3',
        SCIROCCO_MAX_GET_ALL_MESSAGES: '4',
        OTHER: 'x',
      }),
    ).toEqual({ jsonKb: 1, textKb: 2, rawKb: 3, maxListMessages: 4 });
    expect(limitsFromEnv({ SCIROCCO_MAX_KB_SIZE_RAW: '' })).toEqual({});
  });

  it('names the variable whose value is not a positive whole number', () => {
    expect(() => limitsFromEnv({ SCIROCCO_MAX_KB_SIZE_TEXT: '1.5' })).toThrow(
      'SCIROCCO_MAX_KB_SIZE_TEXT must be a positive whole number, got "1.5"',
    );
    expect(() => limitsFromEnv({ SCIROCCO_MAX_GET_ALL_MESSAGES: '0' })).toThrow(
      'SCIROCCO_MAX_GET_ALL_MESSAGES must be a positive whole number, got "0"',
    );
  });

  it('fills the defaults', () => {
    expect(resolveLimits({ rawKb: 5 })).toEqual({
      jsonKb: 100,
      textKb: 100,
      rawKb: 5,
      maxListMessages: 100,
      batchKb: 1024,
    });
  });
});
