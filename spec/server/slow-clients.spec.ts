import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer, type ServerOptions } from '../../lib/server/index.js';
import { send, TOKEN } from '../support/http.js';

/** A raw connection that records when the server closed it and what it answered. */
interface RawConnection {
  readonly socket: Socket;
  readonly opened: number;
  /** Resolves with the time the server closed the connection and what it wrote first. */
  readonly closed: Promise<{ at: number; received: string }>;
}

function open(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    const closed = new Promise<{ at: number; received: string }>((settle) => {
      socket.on('data', (chunk) => (received += chunk.toString('latin1')));
      socket.on('close', () => settle({ at: performance.now(), received }));
    });
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, opened: performance.now(), closed }));
    socket.once('error', reject);
  });
}

/** Writes one byte of `text` every `everyMs`, until the socket closes or the text runs out. */
function dribble(socket: Socket, text: string, everyMs: number): () => void {
  let index = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || index >= text.length) clearInterval(timer);
    else socket.write(text[index++]!);
  }, everyMs);
  return () => clearInterval(timer);
}

const HEAD = `GET /messageQueue HTTP/1.1\r\nHost: x\r\nAuthorization: ${TOKEN}\r\nScirocco-Node-Source: af\r\n`;
const PUSH_HEAD =
  `POST /messageQueue HTTP/1.1\r\nHost: x\r\nAuthorization: ${TOKEN}\r\nScirocco-Node-Source: af\r\n` +
  'Scirocco-Node-Destination: af\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n';

describe('slow and idle clients', () => {
  let server: RunningServer | undefined;
  const stops: (() => void)[] = [];
  const sockets: Socket[] = [];
  const start = async (options: ServerOptions) => (server = await startServer({ port: 0, ...options }));

  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    for (const socket of sockets.splice(0)) socket.destroy();
    await server?.close();
    server = undefined;
  });

  it('closes connections that send their headers too slowly, by the headers timeout', async () => {
    const { url } = await start({ headersTimeoutMs: 600, requestTimeoutMs: 5_000 });
    const connection = await open(url);
    sockets.push(connection.socket);
    stops.push(dribble(connection.socket, `${HEAD}X-Slow: ${'a'.repeat(10_000)}`, 50));
    const { at, received } = await connection.closed;
    expect(at - connection.opened).toBeGreaterThanOrEqual(500);
    expect(at - connection.opened).toBeLessThan(4_000);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes idle connections that never send a request', async () => {
    const { url } = await start({ headersTimeoutMs: 600, requestTimeoutMs: 5_000 });
    const connection = await open(url);
    sockets.push(connection.socket);
    const { at } = await connection.closed;
    expect(at - connection.opened).toBeGreaterThanOrEqual(500);
    expect(at - connection.opened).toBeLessThan(4_000);
  });

  it('closes connections that send their body one byte at a time, by the request timeout', async () => {
    const { url } = await start({ headersTimeoutMs: 500, requestTimeoutMs: 1_000 });
    const connection = await open(url);
    sockets.push(connection.socket);
    connection.socket.write(PUSH_HEAD);
    stops.push(dribble(connection.socket, 'b'.repeat(1000), 50));
    const { at, received } = await connection.closed;
    expect(at - connection.opened).toBeGreaterThanOrEqual(900);
    expect(at - connection.opened).toBeLessThan(5_000);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes kept-alive connections idle for longer than the keep-alive timeout', async () => {
    const { url } = await start({ keepAliveTimeoutMs: 300 });
    const connection = await open(url);
    sockets.push(connection.socket);
    connection.socket.write(`GET / HTTP/1.1\r\nHost: x\r\nAuthorization: ${TOKEN}\r\n\r\n`);
    const { at, received } = await connection.closed;
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(at - connection.opened).toBeGreaterThanOrEqual(250);
    expect(at - connection.opened).toBeLessThan(4_000);
  });

  it('keeps answering a normal client while a few hundred slow connections hold on, and closes them in time', async () => {
    // A headers timeout long enough that the normal requests are done well before it, even on a
    // loaded machine; short enough that the test sees every slow connection closed.
    const { url } = await start({ headersTimeoutMs: 4_000, requestTimeoutMs: 8_000 });
    const slow = await Promise.all(Array.from({ length: 300 }, () => open(url)));
    for (const connection of slow) {
      sockets.push(connection.socket);
      stops.push(dribble(connection.socket, `${HEAD}X-Slow: ${'a'.repeat(10_000)}`, 200));
    }
    let stillOpen = slow.length;
    for (const connection of slow) void connection.closed.then(() => stillOpen--);
    for (let i = 0; i < 20; i++) {
      const res = await send(url, { path: '/' });
      expect(res.status).toBe(200);
    }
    // Every normal request was answered while the slow connections were all still held open.
    expect(stillOpen).toBe(slow.length);
    const closed = await Promise.all(slow.map((connection) => connection.closed));
    const opened = Math.min(...slow.map((connection) => connection.opened));
    expect(Math.max(...closed.map(({ at }) => at)) - opened).toBeLessThan(15_000);
  });

  it('refuses connections beyond maxConnections, and serves again once they are gone', async () => {
    const lines: string[] = [];
    const { url } = await start({ maxConnections: 5, log: (line) => lines.push(line) });
    const held = await Promise.all(Array.from({ length: 5 }, () => open(url)));
    sockets.push(...held.map((connection) => connection.socket));
    const extra = await open(url);
    sockets.push(extra.socket);
    const { received } = await extra.closed;
    expect(received).toBe('');
    await expect
      .poll(() => lines.filter((line) => line.includes('refused')), { timeout: 5_000 })
      .toEqual([expect.stringMatching(/ refused 1 connection: 5 open \(maxConnections\)$/)]);
    for (const connection of held) connection.socket.destroy();
    await Promise.all(held.map((connection) => connection.closed));
    await expect.poll(async () => (await send(url, { path: '/' }).catch(() => undefined))?.status).toBe(200);
  });

  it.each([
    [{ headersTimeoutMs: 0 }, 'headersTimeoutMs must be a positive whole number of milliseconds, got 0'],
    [{ requestTimeoutMs: 1.5 }, 'requestTimeoutMs must be a positive whole number of milliseconds, got 1.5'],
    [
      { keepAliveTimeoutMs: -1 },
      'keepAliveTimeoutMs must be a positive whole number of milliseconds, got -1',
    ],
    [{ maxConnections: 0 }, 'maxConnections must be a positive whole number, got 0'],
    [
      { headersTimeoutMs: 20_000, requestTimeoutMs: 10_000 },
      'headersTimeoutMs (20000 ms) must not exceed requestTimeoutMs (10000 ms)',
    ],
  ] as const)('refuses %j with a RangeError', async (options, message) => {
    await expect(startServer(options)).rejects.toThrow(new RangeError(message));
  });
});
