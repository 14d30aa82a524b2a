import { gzipSync, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { nodeClient } from '../support/http.js';
import { useServer } from '../support/server.js';

const TO_STRING_FORM = /^\w{3} \w{3} \d{2} \d{4} \d{2}:\d{2}:\d{2} GMT[+-]\d{4}( \(.+\))?$/;

describe('POST /messageQueue (push)', () => {
  const srv = useServer();

  it('answers 201 with Location, the metadata headers in their exact casing, and the payload', async () => {
    const a = nodeClient(srv.url, 'af123');
    const res = await a.push('bc456', { type: 'message' });
    expect(res.status).toBe(201);
    const id = res.headers['scirocco-id']!;
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(res.headers.location).toBe(`/messages/${id}`);
    expect(res.headerNames).toEqual(
      expect.arrayContaining([
        'Scirocco-Id',
        'Scirocco-Node-Source',
        'Scirocco-Node-Destination',
        'Scirocco-Status',
        'Scirocco-Tries',
        'Scirocco-Payload-Type',
        'Scirocco-Created-Time',
      ]),
    );
    expect(res.headers['scirocco-node-source']).toBe('af123');
    expect(res.headers['scirocco-node-destination']).toBe('bc456');
    expect(res.headers['scirocco-status']).toBe('pending');
    expect(res.headers['scirocco-tries']).toBe('0');
    expect(res.headers['scirocco-payload-type']).toBe('application/json');
    expect(res.headers['scirocco-created-time']).toMatch(TO_STRING_FORM);
    expect(Math.abs(Date.parse(res.headers['scirocco-created-time']!) - Date.now())).toBeLessThan(5_000);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json()).toEqual({ type: 'message' });
  });

  it('sends no header for null fields', async () => {
    const res = await nodeClient(srv.url, 'af123').push('af123', [1]);
    for (const name of [
      'Scirocco-Update-Time',
      'Scirocco-Scheduled-Time',
      'Scirocco-Processing-Time',
      'Scirocco-Processed-Time',
      'Scirocco-Topic',
      'Scirocco-Error-Time',
    ]) {
      expect(res.headerNames).not.toContain(name);
    }
  });

  it('gives every message a new id that sorts in creation order', async () => {
    const a = nodeClient(srv.url, 'af123');
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await a.push('af123', 'x')).headers['scirocco-id']!);
    expect(new Set(ids).size).toBe(20);
    expect([...ids].sort()).toEqual(ids);
  });

  it('answers a text payload as text/html, and bytes as raw octet-stream', async () => {
    const a = nodeClient(srv.url, 'af123');
    const text = await a.push('af123', 'héllo ✓');
    expect(text.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(text.text).toBe('héllo ✓');
    expect(text.headers['scirocco-payload-type']).toBe('text/plain');
    const bytes = await a.push('af123', new Uint8Array([0, 1, 255]));
    expect(bytes.headers['content-type']).toBe('application/octet-stream');
    expect([...bytes.body]).toEqual([0, 1, 255]);
    expect(bytes.headers['scirocco-payload-type']).toBe('application/octet-stream');
  });

  it('stores the Scirocco-Payload-Type label when given', async () => {
    const res = await nodeClient(srv.url, 'af123').push('af123', new Uint8Array([1]), {
      'Scirocco-Payload-Type': '.bin',
    });
    expect(res.headers['scirocco-payload-type']).toBe('.bin');
  });

  it('stores empty text as "" and an empty JSON body as {}', async () => {
    const a = nodeClient(srv.url, 'af123');
    const text = await a.push('af123', '');
    expect(text.status).toBe(201);
    expect(text.text).toBe('');
    const json = await a.push('af123', '', { 'Content-Type': 'application/json' });
    expect(json.status).toBe(201);
    expect(json.json()).toEqual({});
  });

  it('keeps empty objects and keys MongoDB would refuse, intact', async () => {
    const a = nodeClient(srv.url, 'af123');
    const payload = { $set: { 'a.b': {} }, list: [{}, []], empty: {} };
    expect((await a.push('af123', payload)).json()).toEqual(payload);
    expect((await a.pull()).json()).toEqual(payload);
  });

  it('accepts gzip and deflate bodies and inflates them', async () => {
    const a = nodeClient(srv.url, 'af123');
    const gz = await a.push('af123', new Uint8Array(gzipSync('{"z":1}')), {
      'Content-Type': 'application/json',
      'Content-Encoding': 'gzip',
    });
    expect(gz.status).toBe(201);
    expect(gz.json()).toEqual({ z: 1 });
    const df = await a.push('af123', new Uint8Array(deflateSync('plain')), {
      'Content-Type': 'text/plain',
      'Content-Encoding': 'deflate',
    });
    expect(df.text).toBe('plain');
  });

  describe('statuses', () => {
    it.each(['processing', 'processed'])('stores %s as pending', async (status) => {
      const res = await nodeClient(srv.url, 'af123').push('af123', 'x', { 'Scirocco-Status': status });
      expect(res.status).toBe(201);
      expect(res.headers['scirocco-status']).toBe('pending');
    });

    it.each(['foo', 'Scheduled', 'PENDING', ''])('refuses %j with errors.status', async (status) => {
      const res = await nodeClient(srv.url, 'af123').push('af123', 'x', { 'Scirocco-Status': status });
      expect(res.status).toBe(400);
      const body = res.json<{ message: string; errors: Record<string, { message: string }> }>();
      expect(body.message).toBe('Message validation failed: status: Incorrect message status.');
      expect(Object.keys(body.errors)).toEqual(['status']);
      expect(body.errors.status!.message).toBe('Incorrect message status.');
    });
  });

  describe('scheduling', () => {
    it('refuses a scheduled push without a time, with the original message and no errors', async () => {
      const res = await nodeClient(srv.url, 'af123').push('af123', 'x', { 'Scirocco-Status': 'scheduled' });
      expect(res.status).toBe(400);
      expect(res.json()).toEqual({
        message: 'An scheduled message requires the scheduled time header to be set.',
      });
    });

    it('stores a scheduled push with its time (ISO 8601 with Z, or milliseconds)', async () => {
      const a = nodeClient(srv.url, 'af123');
      const at = new Date(Date.now() + 60_000);
      const iso = await a.push('af123', 'x', {
        'Scirocco-Status': 'scheduled',
        'Scirocco-Scheduled-Time': at.toISOString(),
      });
      expect(iso.status).toBe(201);
      expect(iso.headers['scirocco-status']).toBe('scheduled');
      expect(Date.parse(iso.headers['scirocco-scheduled-time']!)).toBe(
        Math.floor(at.getTime() / 1000) * 1000,
      );
      const ms = await a.push('af123', 'x', {
        'Scirocco-Status': 'scheduled',
        'Scirocco-Scheduled-Time': String(at.getTime()),
      });
      expect(ms.status).toBe(201);
      const far = await a.push('af123', 'x', {
        'Scirocco-Status': 'scheduled',
        'Scirocco-Scheduled-Time': '1e13',
      });
      expect(far.status).toBe(201);
      expect(new Date(far.headers['scirocco-scheduled-time']!).getUTCFullYear()).toBe(2286);
    });

    it('accepts a time a second ahead (the original compared with its start time)', async () => {
      const res = await nodeClient(srv.url, 'af123').push('af123', 'x', {
        'Scirocco-Status': 'scheduled',
        'Scirocco-Scheduled-Time': new Date(Date.now() + 1_000).toISOString(),
      });
      expect(res.status).toBe(201);
    });

    it.each([
      [
        'in the past',
        () => new Date(Date.now() - 10_000).toISOString(),
        'Scheduled time must be in the future.',
      ],
      ['not a date', () => 'tomorrow-ish', 'Scheduled time must be a valid date.'],
      ['out of range', () => '1e20', 'Scheduled time must be a valid date.'],
    ])('refuses a time %s with errors.scheduled_time', async (_, time, message) => {
      const res = await nodeClient(srv.url, 'af123').push('af123', 'x', {
        'Scirocco-Status': 'scheduled',
        'Scirocco-Scheduled-Time': time(),
      });
      expect(res.status).toBe(400);
      const body = res.json<{ errors: Record<string, { message: string }> }>();
      expect(body.errors.scheduled_time!.message).toBe(message);
    });

    it('checks the time on a pending push too, stores it, and leaves the message due at once', async () => {
      const a = nodeClient(srv.url, 'af123');
      const past = await a.push('af123', 'x', {
        'Scirocco-Scheduled-Time': new Date(Date.now() - 10_000).toISOString(),
      });
      expect(past.status).toBe(400);
      const future = await a.push('af123', 'due now', {
        'Scirocco-Scheduled-Time': new Date(Date.now() + 3_600_000).toISOString(),
      });
      expect(future.status).toBe(201);
      expect(future.headers['scirocco-status']).toBe('pending');
      expect(future.headers['scirocco-scheduled-time']).toBeDefined();
      expect((await a.pull()).text).toBe('due now');
    });
  });

  describe('validation', () => {
    it('refuses a missing destination with errors.node_destination', async () => {
      const a = nodeClient(srv.url, 'af123');
      const res = await a.send({
        method: 'POST',
        path: '/messageQueue',
        headers: { 'Content-Type': 'text/plain' },
        body: 'x',
      });
      expect(res.status).toBe(400);
      expect(res.json()).toEqual({
        message: 'Message validation failed: node_destination: Path `node_destination` is required.',
        errors: {
          node_destination: {
            message: 'Path `node_destination` is required.',
            kind: 'required',
            path: 'node_destination',
          },
        },
      });
    });

    it('refuses non-hex node ids, naming every invalid field', async () => {
      const res = await nodeClient(srv.url, 'xyz').push('af12g', 'x', {
        'Scirocco-Payload-Type': 'x'.repeat(31),
      });
      expect(res.status).toBe(400);
      const body = res.json<{
        message: string;
        errors: Record<string, { message: string; value: string }>;
      }>();
      expect(body.message).toBe(
        'Message validation failed: node_destination: Field must be in hexadecimal., node_source: Field must be in hexadecimal., payload_type: Payload type should be between 1 and 30 characters.',
      );
      expect(Object.keys(body.errors).sort()).toEqual(['node_destination', 'node_source', 'payload_type']);
      expect(body.errors.node_source!.value).toBe('xyz');
    });

    it('refuses a push without a source', async () => {
      const res = await nodeClient(srv.url, '').push('af123', 'x');
      expect(res.json<{ errors: Record<string, unknown> }>().errors).toHaveProperty('node_source');
    });

    it('accepts a payload type of exactly 30 characters', async () => {
      const res = await nodeClient(srv.url, 'af123').push('af123', 'x', {
        'Scirocco-Payload-Type': 'x'.repeat(30),
      });
      expect(res.status).toBe(201);
    });

    it('keeps a node id with leading zeros as sent (the original turned 00123 into 123)', async () => {
      const res = await nodeClient(srv.url, '00123').push('00123', 'x');
      expect(res.headers['scirocco-node-source']).toBe('00123');
    });
  });
});
