import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { nodeClient, send, TOKEN } from '../support/http.js';
import { startServer } from '../../lib/server/index.js';
import { useServer } from '../support/server.js';

/**
 * Writes raw bytes to the server, then reads whatever comes back until the socket closes or goes
 * quiet. The socket stays open for writing: a client that half-closes may not get its answer.
 */
function raw(url: string, data: string | Buffer, { end = false, quietMs = 150 } = {}): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    let timer = setTimeout(() => socket.destroy(), quietMs);
    const done = () => {
      clearTimeout(timer);
      resolve(received);
    };
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      clearTimeout(timer);
      timer = setTimeout(() => socket.destroy(), quietMs);
    });
    socket.on('error', () => undefined);
    socket.on('close', done);
    socket.write(data);
    if (end) socket.end();
  });
}

const auth = `Authorization: ${TOKEN}\r\nScirocco-Node-Source: af\r\n`;
const post = (path: string, headers: string, body: string | Buffer = '') =>
  Buffer.concat([
    Buffer.from(`POST ${path} HTTP/1.1\r\nHost: x\r\n${auth}${headers}\r\n`, 'latin1'),
    Buffer.from(body),
  ]);

/** Bodies shorter than their Content-Length: the server waits for the rest, as HTTP says. */
const CUT_SHORT: readonly (string | Buffer)[] = [
  post('/messageQueue', 'Content-Type: application/json\r\nContent-Length: 100\r\n', '{"truncated":'),
  post(
    '/messageQueue',
    'Content-Type: application/octet-stream\r\nContent-Length: 1000000\r\n',
    Buffer.alloc(5000),
  ),
];

function badRequests(): (string | Buffer)[] {
  const requests: (string | Buffer)[] = [
    'GARBAGE\r\n\r\n',
    '\r\n\r\n\r\n',
    'GET\r\n\r\n',
    'GET / HTTP/9.9\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n',
    `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`,
    `GET /${'a'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
    'POST /messageQueue HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    post(
      '/messageQueue',
      'Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n',
      'zz\r\nnot a chunk\r\n',
    ),
    ...CUT_SHORT,
    post(
      '/messageQueue',
      'Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 10\r\n',
      gzipSync('{"a":1}').subarray(0, 10),
    ),
    post(
      '/messageQueue',
      'Content-Type: text/plain\r\nScirocco-Node-Destination: af\r\nScirocco-Payload-Type: \xff\xfe\r\nContent-Length: 1\r\n',
      'x',
    ),
    post('/messageQueue', 'Content-Type: text/plain; charset=no-such-charset\r\nContent-Length: 1\r\n', 'x'),
    post(
      '/messageQueue',
      'Content-Type: text/plain\r\nScirocco-Node-Destination: af\r\nScirocco-Scheduled-Time: \r\nScirocco-Status: scheduled\r\nContent-Length: 1\r\n',
      'x',
    ),
    Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a]),
    'GET /messages/%E0%A4%A HTTP/1.1\r\nHost: x\r\nAuthorization: DEFAULT_TOKEN\r\n\r\n',
    'GET /messages/%zz HTTP/1.1\r\nHost: x\r\nAuthorization: DEFAULT_TOKEN\r\n\r\n',
    'GET http://evil.example/messages HTTP/1.1\r\nHost: x\r\nAuthorization: DEFAULT_TOKEN\r\nScirocco-Node-Source: af\r\n\r\n',
    'GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nAuthorization: DEFAULT_TOKEN\r\n\r\n',
    'GET /messages?limit=%%% HTTP/1.1\r\nHost: x\r\nAuthorization: DEFAULT_TOKEN\r\nScirocco-Node-Source: af\r\n\r\n',
    'GET /messages/5823a70203c123003de4229b HTTP/1.1\r\nHost: x\r\nAuthorization: DEFAULT_TOKEN\r\nAuthorization: other\r\n\r\n',
  ];
  for (const method of ['PROPFIND', 'TRACE', 'PUT', 'CONNECT', 'M-SEARCH', 'PURGE', 'LINK']) {
    for (const path of [
      '/',
      '/messageQueue',
      '/messages',
      '/messages/5823a70203c123003de4229b',
      '/globalDataSpace',
    ]) {
      requests.push(`${method} ${path} HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 0\r\n\r\n`);
    }
  }
  for (const id of [
    '',
    'g',
    'abc',
    '5823a70203c123003de4229',
    '5823a70203c123003de4229bb',
    '%00',
    "'OR'1'='1",
    '..%2F..%2F',
    'ZZZZ',
  ]) {
    for (const [method, path] of [
      ['GET', `/messages/${id}`],
      ['PATCH', `/messages/${id}`],
      ['DELETE', `/messages/${id}`],
      ['PATCH', `/messageQueue/${id}/ack`],
    ]) {
      requests.push(`${method} ${path} HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 0\r\n\r\n`);
    }
  }
  const jsons = [
    '{',
    '}',
    '[1,',
    '{"a":1}}',
    '\u0000',
    '{"a":NaN}',
    '{"__proto__":{"polluted":1}}',
    '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
    '"x"',
    '1e999',
    '{"a":"\ud800"}',
  ];
  for (const body of jsons) {
    for (const type of [
      'application/json',
      'application/json; charset=utf-16',
      'text/plain',
      'application/octet-stream',
    ]) {
      requests.push(
        post(
          '/messageQueue',
          `Content-Type: ${type}\r\nScirocco-Node-Destination: af\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`,
          body,
        ),
      );
    }
  }
  for (const headers of [
    'Scirocco-Node-Destination: \r\n',
    'Scirocco-Node-Destination: af\r\nScirocco-Status: \xe9\r\n',
    'Scirocco-Node-Destination: af\r\nScirocco-Scheduled-Time: 99999999999999999999999\r\n',
    'Scirocco-Node-Destination: af\r\nScirocco-Scheduled-Time: -1\r\n',
    'Scirocco-Node-Destination: af\r\nScirocco-Payload-Type: \r\n',
    `Scirocco-Node-Destination: ${'a'.repeat(10_000)}\r\n`,
  ]) {
    requests.push(post('/messageQueue', `Content-Type: text/plain\r\n${headers}Content-Length: 1\r\n`, 'x'));
  }
  // Random bytes after a valid request line, from a fixed seed so a failure can be replayed.
  let seed = 0x5c1e0cc0;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) & 0xff;
  for (let i = 0; i < 80; i++) {
    const junk = Buffer.from(Array.from({ length: 20 + (i % 40) * 7 }, random));
    requests.push(
      Buffer.concat([Buffer.from(i % 2 ? 'POST /messageQueue HTTP/1.1\r\n' : 'GET / HTTP/1.1\r\n'), junk]),
    );
  }
  return requests;
}

describe('malformed input', () => {
  const srv = useServer();

  it('never crashes the server or leaves it unable to answer the next request', async () => {
    const requests = badRequests();
    expect(requests.length).toBeGreaterThan(200);
    const answers: string[] = [];
    for (let i = 0; i < requests.length; i += 16) {
      answers.push(...(await Promise.all(requests.slice(i, i + 16).map((request) => raw(srv.url, request)))));
    }
    // Every request is answered, but for those Node itself drops: blank lines that are no request,
    // CONNECT (the connection is closed), and bodies still waiting for their last bytes.
    const unanswered = requests
      .filter((request, i) => answers[i] === '' && !CUT_SHORT.includes(request))
      .map((r) => r.toString('latin1'))
      .filter((r) => !r.startsWith('CONNECT ') && r.trim() !== '');
    expect(unanswered).toEqual([]);
    // ... every answer that came is a well-formed HTTP status line, and none is a 500.
    for (const answer of answers.filter((text) => text !== '')) {
      expect(answer).toMatch(/^HTTP\/1\.1 \d{3} /);
      expect(answer).not.toMatch(/^HTTP\/1\.1 5\d\d /);
    }
    // Half-sent requests and connections left open do not block the server either.
    const hanging = raw(
      srv.url,
      `POST /messageQueue HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: text/plain\r\nContent-Length: 50\r\n\r\nabc`,
      { quietMs: 200 },
    );
    const a = nodeClient(srv.url, 'beef');
    const pushed = await a.push('beef', { still: 'alive' });
    expect(pushed.status).toBe(201);
    expect((await a.pull()).json()).toEqual({ still: 'alive' });
    expect((await send(srv.url)).status).toBe(200);
    await hanging;
  });

  it('answers oversized headers with 431 and truncated requests with 400 or nothing, then goes on', async () => {
    const big = await raw(srv.url, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`);
    expect(big).toMatch(/^HTTP\/1\.1 431 /);
    const truncated = await raw(
      srv.url,
      post('/messageQueue', 'Content-Type: application/json\r\nContent-Length: 100\r\n', '{"a":'),
      { end: true },
    );
    expect(truncated).toMatch(/^(HTTP\/1\.1 400 .*)?$/s);
    expect((await send(srv.url)).status).toBe(200);
  });
});

/**
 * Streams a body the server has no use for, 64 kB at a time, until the server closes the
 * connection or `maxBytes` are written; resolves with the answer and the bytes written.
 */
function flood(
  url: string,
  head: string,
  maxBytes = 64 * 1024 * 1024,
): Promise<{ answer: string; written: number }> {
  const { hostname, port } = new URL(url);
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const chunked = Buffer.concat([
    Buffer.from(`${chunk.length.toString(16)}\r\n`),
    chunk,
    Buffer.from('\r\n'),
  ]);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    let written = 0;
    let open = true;
    socket.on('data', (data) => (answer += data.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      open = false;
      resolve({ answer, written });
    });
    const pump = () => {
      while (open && written < maxBytes) {
        written += chunked.length;
        if (!socket.write(chunked)) return void socket.once('drain', pump);
      }
      if (open) socket.destroy();
    };
    socket.write(head, pump);
  });
}

describe('bodies the server will not use', () => {
  const srv = useServer();
  const chunkedHead = (request: string, headers: string) =>
    `${request} HTTP/1.1\r\nHost: x\r\n${headers}Transfer-Encoding: chunked\r\n\r\n`;

  it.each([
    [
      'a POST of an unknown type without a token',
      chunkedHead('POST /nowhere', 'Content-Type: text/html\r\n'),
      403,
    ],
    [
      'a POST of an unknown type with the token',
      chunkedHead('POST /messageQueue', `${auth}Content-Type: application/x-stream\r\n`),
      400,
    ],
    [
      'a GET with a body of an unknown type',
      chunkedHead('GET /messageQueue', `${auth}Content-Type: video/mp4\r\n`),
      204,
    ],
    ['a body without a Content-Type', chunkedHead('DELETE /messages', auth), 200],
  ])('answers %s with Connection: close and stops reading', async (_, head, status) => {
    const { answer, written } = await flood(srv.url, head);
    expect(answer).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(written).toBeLessThan(64 * 1024 * 1024);
    expect((await send(srv.url)).status).toBe(200);
  });

  it('answers a preflight that carries a body and closes its connection', async () => {
    await srv.server.close();
    const server = await startServer({ port: 0, cors: '*' });
    try {
      const { answer, written } = await flood(
        server.url,
        chunkedHead(
          'OPTIONS /messageQueue',
          'Origin: http://a.example\r\nAccess-Control-Request-Method: GET\r\nContent-Type: text/html\r\n',
        ),
      );
      expect(answer).toMatch(/^HTTP\/1\.1 204 /);
      expect(answer.toLowerCase()).toContain('connection: close');
      expect(written).toBeLessThan(64 * 1024 * 1024);
      const plain = await raw(
        server.url,
        'OPTIONS /messageQueue HTTP/1.1\r\nHost: x\r\nOrigin: http://a.example\r\nAccess-Control-Request-Method: GET\r\n\r\n',
      );
      expect(plain).toMatch(/^HTTP\/1\.1 204 /);
      expect(plain.toLowerCase()).not.toContain('connection: close');
    } finally {
      await server.close();
    }
  });

  it('keeps the connection of a request without a body, or with one it read, alive', async () => {
    for (const head of [
      `GET / HTTP/1.1\r\nHost: x\r\n${auth}\r\n`,
      `GET / HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: text/html\r\nContent-Length: 0\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi`,
    ]) {
      const answer = await raw(srv.url, head);
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      expect(answer.toLowerCase()).not.toContain('connection: close');
    }
  });
});
