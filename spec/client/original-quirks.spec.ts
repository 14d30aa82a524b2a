import { describe, expect, it } from 'vitest';
import { createClientCore } from '../../lib/client/create-client-core.js';
import { stubServer } from '../support/stub-server.js';
import { TRANSPORTS } from '../support/transports.js';

const ID = '5823a70203c123003de4229b';

/** What the original server writes for one message: Date.toString() dates, digits turned into numbers. */
const HEADERS = {
  'Scirocco-Id': ID,
  'Scirocco-Node-Source': '123', // the node was "00123"
  'Scirocco-Node-Destination': 'af123',
  'Scirocco-Status': 'processing',
  'Scirocco-Tries': '1',
  'Scirocco-Payload-Type': 'application/octet-stream',
  'Scirocco-Created-Time': 'Wed Nov 25 2026 11:06:27 GMT+0000 (UTC)',
  'Scirocco-Processing-Time': 'Wed Nov 25 2026 12:06:28 GMT+0100 (Central European Standard Time)',
};

/** Pretty-printed as the original does, with ten spaces. */
const pretty = (value: unknown) => JSON.stringify(value, null, 10);

describe.each(TRANSPORTS)('against the original server’s quirks, over %s', (_, transport) => {
  const client = (url: string) =>
    createClientCore({ url, node: 'af123', token: 'DEFAULT_TOKEN', transport: transport() }, transport);

  it('reads base64 bytes in pretty JSON, Date.toString() headers, and node ids turned into numbers', async () => {
    const stub = await stubServer((_req, res) => {
      res.writeHead(200, { ...HEADERS, 'Content-Type': 'application/json; charset=utf-8' });
      res.end(pretty('AAEC/w=='));
    });
    const message = (await client(stub.url).pull()).unwrap().unwrap();
    expect(message.payload).toEqual(new Uint8Array([0, 1, 2, 255]));
    expect(message.metadata.nodeSource).toBe('123');
    expect(message.metadata.createdTime.toISOString()).toBe('2026-11-25T11:06:27.000Z');
    expect(message.metadata.processingTime?.toISOString()).toBe('2026-11-25T11:06:28.000Z');
  });

  it('reads text/html as a string, even JSON-looking, and pretty JSON objects', async () => {
    let body: [string, string] = ['text/html; charset=utf-8', '{"not":"parsed"}'];
    const stub = await stubServer((_req, res) => {
      res.writeHead(200, { ...HEADERS, 'Content-Type': body[0] });
      res.end(body[1]);
    });
    expect((await client(stub.url).get(ID)).unwrap().payload).toBe('{"not":"parsed"}');
    body = ['application/json; charset=utf-8', pretty({ a: [1, { b: 2 }] })];
    expect((await client(stub.url).get(ID)).unwrap().payload).toEqual({ a: [1, { b: 2 }] });
  });

  it('reads an empty body without Content-Type as the empty object the original dropped', async () => {
    const stub = await stubServer((_req, res) => {
      res.writeHead(200, HEADERS);
      res.end();
    });
    expect((await client(stub.url).ack(ID)).unwrap().payload).toEqual({});
  });

  it('accepts ok as true, and a count in pretty JSON', async () => {
    const stub = await stubServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(pretty({ n: 3, ok: true }));
    });
    expect((await client(stub.url).deleteAll()).unwrap()).toBe(3);
  });

  it('reads list items without content_type, with __v, payload missing, and base64 by payload type', async () => {
    const item = {
      _id: ID,
      node_source: 'af123',
      node_destination: 'af123',
      status: 'pending',
      tries: 0,
      created_time: '2026-11-25T11:06:27.000Z',
      __v: 0,
    };
    const stub = await stubServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(
        pretty([
          { ...item, payload_type: 'application/octet-stream', payload: 'aGk=' },
          { ...item, payload_type: 'text/plain', payload: 'aGk=' },
          { ...item, payload_type: 'application/json' },
        ]),
      );
    });
    const payloads = (await client(stub.url).list()).unwrap().map((message) => message.payload);
    expect(payloads).toEqual([new Uint8Array([104, 105]), 'aGk=', {}]);
  });
});
