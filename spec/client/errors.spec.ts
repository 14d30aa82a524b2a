import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { ClientOptions } from '../../lib/client/client-options.js';
import { createClientCore } from '../../lib/client/create-client-core.js';
import { isSciroccoError, SciroccoError } from '../../lib/client/scirocco-error.js';
import { startServer } from '../../lib/server/start-server.js';
import { useServer } from '../support/server.js';
import { stubServer } from '../support/stub-server.js';
import { TRANSPORTS } from '../support/transports.js';

const SECRET = 'very-secret-token-0042';
const ID = '5823a70203c123003de4229b';

describe.each(TRANSPORTS)('client failures over the %s transport', (_, transport) => {
  const make = (url: string, options: Partial<ClientOptions> = {}) =>
    createClientCore({ url, node: 'aa', token: SECRET, transport: transport(), ...options }, transport);

  it('a stopped server is network, retryable', async () => {
    const server = await startServer();
    await server.close();
    const error = (await make(server.url).info()).unwrapErr();
    expect(error).toMatchObject({ kind: 'network', retryable: true, operation: 'info' });
    expect(error.status).toBeUndefined();
    expect(error.message).toMatch(/^info GET \/: .*ECONNREFUSED/);
  });

  it('an endpoint that never answers is timeout, retryable', async () => {
    const stub = await stubServer(() => undefined);
    const error = (await make(stub.url, { timeout: 150 }).pull()).unwrapErr();
    expect(error).toMatchObject({ kind: 'timeout', retryable: true });
    expect(error.message).toMatch(/^pull GET \/messageQueue: no answer in time( \([A-Z_]+\))?$/);
  });

  it('an AbortSignal is aborted, whether it fires during the request or before it', async () => {
    let requests = 0;
    const stub = await stubServer(() => {
      requests++;
    });
    const controller = new AbortController();
    const pending = make(stub.url).pull({ signal: controller.signal });
    // Abort during the request: once the server has it, not after a guessed time.
    for (let waited = 0; waited < 2_000 && requests === 0; waited += 5) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    controller.abort();
    expect((await pending).unwrapErr()).toMatchObject({ kind: 'aborted', retryable: false });
    const error = (await make(stub.url).push('aa', 'x', { signal: AbortSignal.abort() })).unwrapErr();
    expect(error.message).toBe('push POST /messageQueue: aborted before the request was sent');
    expect(requests).toBe(1);
  });

  it.each([
    [
      'a 200 without metadata headers',
      200,
      {},
      '{}',
      'pull GET /messageQueue: header Scirocco-Id is missing',
    ],
    ['an unexpected status', 418, {}, '', 'pull GET /messageQueue: unexpected status 418'],
    ['a redirect', 302, { Location: '/elsewhere' }, '', 'pull GET /messageQueue: unexpected status 302'],
    ['a 304', 304, {}, '', 'pull GET /messageQueue: unexpected status 304'],
  ])('%s is protocol', async (_, status, headers, body, message) => {
    const stub = await stubServer((_req, res) => {
      res.writeHead(status, headers);
      res.end(body);
    });
    const error = (await make(stub.url).pull()).unwrapErr();
    expect(error).toMatchObject({ kind: 'protocol', status, retryable: false });
    expect(error.message).toBe(message);
  });

  it('a 5xx is server, retryable, with the server’s message', async () => {
    const stub = await stubServer((_req, res) => {
      res.writeHead(503, { 'Content-Type': 'application/json' });
      res.end('{"message":"maintenance"}');
    });
    const error = (await make(stub.url).deleteAll()).unwrapErr();
    expect(error).toMatchObject({ kind: 'server', status: 503, retryable: true });
    expect(error.message).toBe('deleteAll DELETE /messages: 503 maintenance');
  });

  it('a delete answer that is not {"ok":1,"n":N} is protocol', async () => {
    const stub = await stubServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"ok":0,"n":1}');
    });
    expect((await make(stub.url).wipe()).unwrapErr().message).toBe(
      'wipe DELETE /globalDataSpace: the answer is not {"ok":1,"n":<count>}: {"ok":0,"n":1}',
    );
  });

  it('keeps the token out of every error and every string form of the client', async () => {
    const stopped = await startServer();
    await stopped.close();
    const stub = await stubServer(() => undefined);
    const errors = [
      (await make(stopped.url).info()).unwrapErr(),
      (await make(stub.url, { timeout: 100 }).info()).unwrapErr(),
      (await make(stub.url).info({ signal: AbortSignal.abort() })).unwrapErr(),
      (await make(stub.url).push('zz', 'x')).unwrapErr(),
    ];
    const client = make(stub.url);
    const forms = [
      ...errors.flatMap((error) => [
        error.message,
        String(error),
        JSON.stringify(error),
        inspect(error, { depth: 20, showHidden: true }),
        error.stack ?? '',
      ]),
      String(client),
      JSON.stringify(client),
      inspect(client, { depth: 20, showHidden: true }),
    ];
    for (const form of forms) expect(form).not.toContain(SECRET);
    expect(String(client)).toBe(`SciroccoClient(${stub.url}, node aa)`);
    expect(JSON.parse(JSON.stringify(client))).toEqual({ url: stub.url, node: 'aa' });
  });
});

describe('bad input', () => {
  const lines: string[] = [];
  const srv = useServer({ log: (line) => lines.push(line) });
  const client = () =>
    createClientCore({ url: srv.url, node: 'aa', token: 'DEFAULT_TOKEN' }, TRANSPORTS[0]![1]);

  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  const cases: [string, (c: ReturnType<typeof client>) => Promise<{ unwrapErr(): SciroccoError }>, string][] =
    [
      [
        'an empty destination',
        (c) => c.push('', 'x'),
        'push: destination node id must be a non-empty hexadecimal string (0-9, a-f, A-F), got ""',
      ],
      [
        'a non-hex destination',
        (c) => c.push('xyz', 'x'),
        'push: destination node id must be a non-empty hexadecimal string (0-9, a-f, A-F), got "xyz"',
      ],
      ['an empty string payload', (c) => c.push('aa', ''), 'push: payload must not be empty'],
      ['empty bytes', (c) => c.push('aa', new Uint8Array(0)), 'push: payload must not be empty'],
      ['null', (c) => c.push('aa', null as unknown as string), 'push: payload must not be null or undefined'],
      [
        'undefined',
        (c) => c.push('aa', undefined as unknown as string),
        'push: payload must not be null or undefined',
      ],
      [
        'a number',
        (c) => c.push('aa', 42 as unknown as string),
        'push: payload must be a plain object, an array, a string or bytes (Uint8Array, Buffer, ArrayBuffer), got number 42',
      ],
      [
        'a boolean',
        (c) => c.push('aa', true as unknown as string),
        'push: payload must be a plain object, an array, a string or bytes (Uint8Array, Buffer, ArrayBuffer), got boolean true',
      ],
      [
        'a BigInt',
        (c) => c.push('aa', { n: 1n }),
        'push: payload cannot be encoded as JSON: it holds a bigint at key "n"',
      ],
      [
        'NaN',
        (c) => c.push('aa', { x: NaN }),
        'push: payload cannot be encoded as JSON: it holds NaN at key "x" (JSON would turn it into null)',
      ],
      [
        'Infinity',
        (c) => c.push('aa', { readings: [1, Infinity] }),
        'push: payload cannot be encoded as JSON: it holds Infinity at index 1 (JSON would turn it into null)',
      ],
      [
        'a cycle',
        (c) => c.push('aa', cycle),
        'push: payload cannot be encoded as JSON: it contains a circular reference',
      ],
      [
        'a function',
        (c) => c.push('aa', () => 1),
        'push: payload must be a plain object, an array, a string or bytes (Uint8Array, Buffer, ArrayBuffer), got function',
      ],
      [
        'a nested function',
        (c) => c.push('aa', { f: () => 1 }),
        'push: payload cannot be encoded as JSON: it holds a function at key "f"',
      ],
      [
        'a symbol',
        (c) => c.push('aa', Symbol('s') as unknown as string),
        'push: payload must be a plain object, an array, a string or bytes (Uint8Array, Buffer, ArrayBuffer), got symbol',
      ],
      [
        'an invalid Date',
        (c) => c.push('aa', 'x', { scheduledAt: new Date('nope') }),
        'push: scheduledAt must be a valid Date, got Invalid Date',
      ],
      [
        'a past scheduledAt',
        (c) => c.push('aa', 'x', { scheduledAt: new Date('2020-01-01T00:00:00Z') }),
        'push: scheduledAt must be in the future, got 2020-01-01T00:00:00.000Z',
      ],
      [
        'CR/LF in payloadType',
        (c) => c.push('aa', 'x', { payloadType: 'a\r\nX-Evil: 1' }),
        'push: payloadType must contain only printable ASCII characters (no CR, LF or other control characters), got "a\\r\\nX-Evil: 1"',
      ],
      [
        'a 31-character payloadType',
        (c) => c.push('aa', 'x', { payloadType: 'x'.repeat(31) }),
        'push: payloadType must be 1 to 30 characters long, got 31',
      ],
      [
        'an empty payloadType',
        (c) => c.push('aa', 'x', { payloadType: '' }),
        'push: payloadType must be 1 to 30 characters long, got 0',
      ],
      [
        'a short message id (ack)',
        (c) => c.ack('abc'),
        'ack: message id must be 24 hexadecimal characters, got "abc"',
      ],
      [
        'a non-hex message id (get)',
        (c) => c.get('5823a70203c123003de4229z'),
        'get: message id must be 24 hexadecimal characters, got "5823a70203c123003de4229z"',
      ],
      [
        'a path in a message id (delete)',
        (c) => c.delete('../../globalDataSpace'),
        'delete: message id must be 24 hexadecimal characters, got "../../globalDataSpace"',
      ],
      [
        'a bad id on update',
        (c) => c.update('', { a: 1 }),
        'update: message id must be 24 hexadecimal characters, got ""',
      ],
      ['a bad payload on update', (c) => c.update(ID, ''), 'update: payload must not be empty'],
      [
        'a zero limit',
        (c) => c.list({ limit: 0 }),
        'list: limit must be a positive whole number, got number 0',
      ],
      [
        'a fractional limit',
        (c) => c.list({ limit: 2.5 }),
        'list: limit must be a positive whole number, got number 2.5',
      ],
    ];

  it.each(cases)(
    '%s is invalid-argument with an exact message, and no request is sent',
    async (_, call, message) => {
      lines.length = 0;
      const error = (await call(client())).unwrapErr();
      expect(error).toBeInstanceOf(SciroccoError);
      expect(isSciroccoError(error)).toBe(true);
      expect(error).toMatchObject({ kind: 'invalid-argument', retryable: false, message });
      expect(error.status).toBeUndefined();
      expect(lines).toEqual([]);
    },
  );

  it.each([
    [
      { url: 'localhost:8000' },
      'createClient: url must be an absolute http or https URL without query or fragment, got "localhost:8000"',
    ],
    [
      { url: 'ftp://host' },
      'createClient: url must be an absolute http or https URL without query or fragment, got "ftp://host"',
    ],
    [
      { url: 'http://host/?a=1' },
      'createClient: url must be an absolute http or https URL without query or fragment, got "http://host/?a=1"',
    ],
    [
      { url: 'not a url' },
      'createClient: url must be an absolute http or https URL without query or fragment, got "not a url"',
    ],
    [{ node: '' }, 'createClient: node must be a non-empty hexadecimal string (0-9, a-f, A-F), got ""'],
    [{ node: 'xyz' }, 'createClient: node must be a non-empty hexadecimal string (0-9, a-f, A-F), got "xyz"'],
    [{ token: '' }, 'createClient: token must not be empty'],
    [
      { token: `${SECRET}\r\n` },
      'createClient: token must contain only printable ASCII characters (no CR, LF or other control characters)',
    ],
    [{ timeout: 0 }, 'createClient: timeout must be a positive number of milliseconds, got number 0'],
    [{ timeout: -5 }, 'createClient: timeout must be a positive number of milliseconds, got number -5'],
    [
      { timeout: Number.NaN },
      'createClient: timeout must be a positive number of milliseconds, got number NaN',
    ],
  ])('createClient(%o) throws invalid-argument', (options, message) => {
    const create = () =>
      createClientCore(
        { url: 'http://localhost:8000', node: 'aa', token: 'DEFAULT_TOKEN', ...options },
        TRANSPORTS[0]![1],
      );
    expect(create).toThrow(SciroccoError);
    expect(create).toThrow(message);
    try {
      create();
    } catch (error) {
      expect(error).toMatchObject({ kind: 'invalid-argument', operation: 'createClient' });
      expect(String(error)).not.toContain(SECRET);
    }
  });
});
