import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../lib/server/start-server.js';
import { nodeClient, send, type WireResponse } from '../support/http.js';
import { manualClock, useServer } from '../support/server.js';
import { testStore } from '../support/test-store.js';

type Client = ReturnType<typeof nodeClient>;
const pushMany = (client: Client, body: unknown, headers: Record<string, string> = {}) =>
  client.send({
    method: 'POST',
    path: '/messageQueue/batch',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
interface Item {
  readonly status: number;
  readonly message?: string;
  readonly errors?: Record<string, { readonly message: string }>;
  readonly metadata?: Record<string, unknown> & { readonly _id: string; readonly status: string };
}
const items = (res: WireResponse) => res.json<Item[]>();
const outline = (res: WireResponse) =>
  items(res).map((item) => [item.status, item.metadata?.status ?? item.message]);

describe('POST /messageQueue/batch (the batch-push extension)', () => {
  const clock = manualClock();
  const srv = useServer({ clock: clock.now });

  it('pushes each message as its own push would, in the order sent, and answers each', async () => {
    const a = nodeClient(srv.url, 'af123');
    const b = nodeClient(srv.url, 'bc456');
    const at = new Date(clock.now() + 60_000).toISOString();
    const res = await pushMany(a, {
      messages: [
        { destination: 'bc456', payload: '{"n": 12345678901234567890}' },
        { destination: 'bc456', payload: 'hello', contentType: 'text/plain', payloadType: 'greeting' },
        { destination: 'bc456', payload: 'AAEC/w==', contentType: 'application/octet-stream' },
        { destination: 'bc456', payload: '[1]', scheduledTime: at },
      ],
    });
    expect([res.status, res.headers['content-type']]).toEqual([200, 'application/json; charset=utf-8']);
    expect(outline(res)).toEqual([
      [201, 'pending'],
      [201, 'pending'],
      [201, 'pending'],
      [201, 'scheduled'],
    ]);
    const [first, text, bytes, later] = items(res).map((item) => item.metadata);
    expect(first).toMatchObject({ node_source: 'af123', node_destination: 'bc456', tries: 0 });
    expect(first).not.toHaveProperty('payload');
    expect(text).toMatchObject({ payload_type: 'greeting' });
    expect(later).toMatchObject({ scheduled_time: at });
    // Stored as sent: the JSON to the digit, the text, the bytes; pulled in the order pushed.
    const pulled = [await b.pull(), await b.pull(), await b.pull()];
    expect(pulled.map((one) => one.headers['scirocco-id'])).toEqual([first?._id, text?._id, bytes?._id]);
    expect(pulled[0]?.body.toString()).toBe('{"n": 12345678901234567890}');
    expect([pulled[1]?.body.toString(), pulled[1]?.headers['content-type']]).toEqual([
      'hello',
      'text/html; charset=utf-8',
    ]);
    expect(pulled[2]?.json()).toBe('AAEC/w==');
    expect((await b.pull()).status).toBe(204); // the scheduled one is not due
  });

  it('refuses each bad message on its own, as its push would be: one never fails the others', async () => {
    const a = nodeClient(srv.url, 'af123');
    const past = new Date(clock.now() - 60_000).toISOString();
    const res = await pushMany(a, {
      messages: [
        { destination: 'not hex', payload: '{}' },
        'a string',
        { destination: 'bc456', payload: { n: 1 } },
        { destination: 'bc456', payload: '"a string"' },
        { destination: 'bc456', payload: '{"n":' },
        { destination: 'bc456', payload: 'x', contentType: 'text/html' },
        { destination: 'bc456', payload: '!!', contentType: 'application/octet-stream' },
        { destination: 'bc456', payload: '{}', scheduledTime: past },
        { destination: 'bc456', payload: '{}', status: 'Scheduled' },
        { destination: 'bc456', payload: '{}', payloadType: 'x'.repeat(31) },
        { destination: 7, payload: '{}' },
        { destination: 'bc456' },
      ],
    });
    expect(res.status).toBe(200);
    const answered = items(res);
    expect(answered.map((item) => item.status)).toEqual([
      400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 201,
    ]);
    expect(answered[0]?.message).toBe(
      'Message validation failed: node_destination: Field must be in hexadecimal.',
    );
    expect(answered[1]?.errors?.message?.message).toBe('Each message must be a JSON object.');
    expect(answered[2]?.errors?.payload?.message).toBe(
      'The payload must be a string: the body of its push (bytes in base64).',
    );
    expect(answered[3]?.message).toBe('a JSON body must be an object or an array');
    expect(answered[4]?.message).toMatch(/JSON/);
    expect(answered[5]?.errors?.contentType?.message).toBe(
      'contentType must be one of application/json (the default), text/plain, application/octet-stream.',
    );
    expect(answered[6]?.errors?.payload?.message).toBe(
      'The payload of application/octet-stream must be base64.',
    );
    expect(answered[7]?.message).toBe(
      'Message validation failed: scheduled_time: Scheduled time must be in the future.',
    );
    expect(answered[8]?.message).toBe('Message validation failed: status: Incorrect message status.');
    expect(answered[9]?.message).toBe(
      'Message validation failed: payload_type: Payload type should be between 1 and 30 characters.',
    );
    expect(answered[10]?.errors?.destination?.message).toBe('destination must be a string.');
    // An item without a payload stores the empty object, as an empty push body does.
    const stored = (await a.list()).json<{ payload: unknown }[]>();
    expect(stored.map((message) => message.payload)).toEqual([{}]);
  });

  it('refuses a message over its kind’s limit with 413, alone', async () => {
    const server = await startServer({ ...testStore(), limits: { textKb: 1 } });
    servers.push(server);
    const a = nodeClient(server.url, 'af123');
    const res = await pushMany(a, {
      messages: [
        { destination: 'bc456', payload: 'x'.repeat(1025), contentType: 'text/plain' },
        { destination: 'bc456', payload: 'x'.repeat(1024), contentType: 'text/plain' },
      ],
    });
    expect(outline(res)).toEqual([
      [413, 'request entity too large'],
      [201, 'pending'],
    ]);
  });

  it.each([
    ['a body that is not JSON', 'messages=1', 'text/plain', 'body'],
    ['a JSON array', '[{}]', 'application/json', 'body'],
    ['no messages', '{}', 'application/json', 'messages'],
    ['an empty list', '{"messages": []}', 'application/json', 'messages'],
    [
      'messages that are not a list',
      '{"messages": {"destination": "bc456"}}',
      'application/json',
      'messages',
    ],
  ])('answers 400 to %s, and pushes nothing', async (_name, body, contentType, field) => {
    const a = nodeClient(srv.url, 'af123');
    const res = await pushMany(a, body, { 'Content-Type': contentType });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ message: 'Validation failed', errors: { [field]: { path: field } } });
    expect((await a.list()).status).toBe(204);
  });

  it('reads a body whose keys are those of an answer as any other body', async () => {
    const a = nodeClient(srv.url, 'af123');
    const res = await pushMany(a, { messages: [{ destination: 'bc456' }], status: 1, headers: {}, body: '' });
    expect(outline(res)).toEqual([[201, 'pending']]);
  });

  it('answers a POST without a valid Content-Type as a push, and a bad token 403', async () => {
    const a = nodeClient(srv.url, 'af123');
    const res = await pushMany(a, '{"messages": []}', { 'Content-Type': 'application/xml' });
    expect(res.status).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(/valid Content-Type/);
    const forbidden = await send(srv.url, {
      method: 'POST',
      path: '/messageQueue/batch',
      headers: { Authorization: 'wrong', 'Content-Type': 'application/json' },
      body: '{"messages": [{"destination": "bc456"}]}',
    });
    expect(forbidden.status).toBe(403);
    expect((await a.list()).status).toBe(204);
  });

  it('answers the messages of a caller without a node 400, each naming node_source', async () => {
    const res = await send(srv.url, {
      method: 'POST',
      path: '/messageQueue/batch',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ messages: [{ destination: 'bc456' }] }),
    });
    expect(outline(res)).toEqual([
      [400, 'Message validation failed: node_source: Path `node_source` is required.'],
    ]);
  });

  const servers: RunningServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('holds a batch to a list’s limit of messages and to batchKb, advertised', async () => {
    const server = await startServer({ ...testStore(), limits: { maxListMessages: 2, batchKb: 1 } });
    servers.push(server);
    expect((await send(server.url)).headers['scirocco-extensions']).toContain(
      'batch-push=2, batch-push-kb=1',
    );
    const a = nodeClient(server.url, 'af123');
    const three = await pushMany(a, { messages: [1, 2, 3].map(() => ({ destination: 'bc456' })) });
    expect(three.json()).toMatchObject({
      errors: { messages: { message: 'messages must be an array of 1 to 2 messages.' } },
    });
    const big = await pushMany(a, {
      messages: [{ destination: 'bc456', payload: 'x'.repeat(1100), contentType: 'text/plain' }],
    });
    expect([big.status, big.json()]).toEqual([413, { message: 'request entity too large' }]);
    expect((await a.list()).status).toBe(204);
  });

  it('answers 507 to a message past its node’s bound, alone, and stores the others', async () => {
    const server = await startServer({ ...testStore(), maxWaitingPerNode: 1 });
    servers.push(server);
    const a = nodeClient(server.url, 'af123');
    const res = await pushMany(a, {
      messages: [{ destination: 'bc456' }, { destination: 'bc456' }, { destination: 'cd789' }],
    });
    expect(items(res).map((item) => item.status)).toEqual([201, 507, 201]);
    expect(items(res)[1]?.message).toMatch(/^Node bc456 has 1 messages waiting/);
  });

  it('is an unknown route on a plain server, as on the original', async () => {
    const plain = await startServer({ ...testStore(), plain: true });
    servers.push(plain);
    const a = nodeClient(plain.url, 'af123');
    const res = await pushMany(a, { messages: [{ destination: 'bc456' }] });
    expect([res.status, res.json()]).toEqual([404, { message: 'Not Found' }]);
    expect((await a.list()).status).toBe(204);
  });

  it('wakes a pull waiting for a message of the batch', async () => {
    const b = nodeClient(srv.url, 'bc456');
    const waiting = b.send({ path: '/messageQueue?wait=5000' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await pushMany(nodeClient(srv.url, 'af123'), {
      messages: [{ destination: 'bc456', payload: '{"n":1}' }],
    });
    const pulled = await waiting;
    expect([pulled.status, pulled.json()]).toEqual([200, { n: 1 }]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
