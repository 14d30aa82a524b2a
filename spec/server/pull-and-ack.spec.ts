import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { nodeClient, type WireResponse } from '../support/http.js';
import { manualClock, useServer } from '../support/server.js';

const idOf = (res: WireResponse) => res.headers['scirocco-id']!;

describe('GET /messageQueue (pull)', () => {
  const srv = useServer();

  it('answers 204 with an empty body when nothing is due', async () => {
    const res = await nodeClient(srv.url, 'af123').pull();
    expect(res.status).toBe(204);
    expect(res.body.length).toBe(0);
  });

  it('answers 204 without a source header, claiming nothing', async () => {
    const a = nodeClient(srv.url, 'af123');
    await a.push('af123', 'x');
    const anonymous = await a.send({ path: '/messageQueue', headers: { 'Scirocco-Node-Source': '' } });
    expect(anonymous.status).toBe(204);
    expect((await a.pull()).status).toBe(200);
  });

  it('claims the oldest due message of the caller: processing, tries + 1, processing and update times', async () => {
    const a = nodeClient(srv.url, 'af123');
    const first = await a.push('af123', 'first');
    await a.push('af123', 'second');
    const pulled = await a.pull();
    expect(pulled.status).toBe(200);
    expect(idOf(pulled)).toBe(idOf(first));
    expect(pulled.text).toBe('first');
    expect(pulled.headers['scirocco-status']).toBe('processing');
    expect(pulled.headers['scirocco-tries']).toBe('1');
    expect(pulled.headerNames).toEqual(
      expect.arrayContaining(['Scirocco-Processing-Time', 'Scirocco-Update-Time']),
    );
    expect((await a.pull()).text).toBe('second');
    expect((await a.pull()).status).toBe(204);
  });

  it('only gives a node the messages addressed to it', async () => {
    const a = nodeClient(srv.url, 'aa');
    const b = nodeClient(srv.url, 'bb');
    await a.push('bb', 'for b');
    expect((await a.pull()).status).toBe(204);
    expect((await b.pull()).text).toBe('for b');
  });

  it('answers bytes after the push as a base64 JSON string', async () => {
    const a = nodeClient(srv.url, 'af123');
    await a.push('af123', new Uint8Array([0, 1, 2, 255]));
    const res = await a.pull();
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json()).toBe('AAEC/w==');
  });
});

describe('scheduled messages on the server clock', () => {
  const clock = manualClock();
  const srv = useServer({ clock: clock.now });

  it('become due when their time is reached, oldest first', async () => {
    const a = nodeClient(srv.url, 'af123');
    const at = new Date(clock.now() + 60_000).toISOString();
    await a.push('af123', 'scheduled', { 'Scirocco-Status': 'scheduled', 'Scirocco-Scheduled-Time': at });
    await a.push('af123', 'pending');
    expect((await a.pull()).text).toBe('pending');
    expect((await a.pull()).status).toBe(204);
    clock.advance(59_999);
    expect((await a.pull()).status).toBe(204);
    clock.advance(1);
    const due = await a.pull();
    expect(due.text).toBe('scheduled');
    expect(due.headers['scirocco-status']).toBe('processing');
  });

  it('are claimed before newer pending messages once due', async () => {
    const a = nodeClient(srv.url, 'af123');
    const at = new Date(clock.now() + 1_000).toISOString();
    await a.push('af123', 'older', { 'Scirocco-Status': 'scheduled', 'Scirocco-Scheduled-Time': at });
    await a.push('af123', 'newer');
    clock.advance(1_000);
    expect((await a.pull()).text).toBe('older');
  });
});

describe('scheduled messages in real time', () => {
  const srv = useServer();

  it('are not due before their time and are after it', async () => {
    const a = nodeClient(srv.url, 'af123');
    const at = new Date(Date.now() + 800);
    const pushed = await a.push('af123', 'soon', {
      'Scirocco-Status': 'scheduled',
      'Scirocco-Scheduled-Time': at.toISOString(),
    });
    expect(pushed.status).toBe(201);
    expect((await a.pull()).status).toBe(204);
    await sleep(at.getTime() - Date.now() + 50);
    expect((await a.pull()).text).toBe('soon');
  });
});

describe('PATCH /messageQueue/:id/ack', () => {
  const srv = useServer();

  it('marks a processing message processed, once', async () => {
    const a = nodeClient(srv.url, 'af123');
    const id = idOf(await a.push('af123', { a: 1 }));
    await a.pull();
    const acked = await a.ack(id);
    expect(acked.status).toBe(200);
    expect(acked.headers['scirocco-status']).toBe('processed');
    expect(acked.headerNames).toContain('Scirocco-Processed-Time');
    expect(acked.json()).toEqual({ a: 1 });
    const again = await a.ack(id);
    expect(again.status).toBe(404);
    expect(again.json()).toEqual({ message: 'Resource not found.' });
  });

  it('refuses to ack a pending message, or someone else’s, or an unknown id', async () => {
    const a = nodeClient(srv.url, 'aa');
    const b = nodeClient(srv.url, 'bb');
    const pending = idOf(await a.push('bb', 'x'));
    expect((await b.ack(pending)).status).toBe(404);
    await b.pull();
    expect((await a.ack(pending)).status).toBe(404); // a is the source, not the destination
    expect((await b.ack('5823a70203c123003de4229b')).status).toBe(404);
    expect((await b.ack(pending.toUpperCase())).status).toBe(200);
  });
});

describe('atomic claiming', () => {
  const srv = useServer();

  it('gives each of 2,000 messages to exactly one of 8 parallel pullers', async () => {
    const producer = nodeClient(srv.url, 'af123');
    const total = 2_000;
    for (let sent = 0; sent < total; sent += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => producer.push('cafe', { n: sent + i })));
    }
    const claims: number[] = [];
    const puller = async () => {
      const consumer = nodeClient(srv.url, 'cafe');
      for (;;) {
        const res = await consumer.pull();
        if (res.status === 204) return;
        expect(res.status).toBe(200);
        claims.push(res.json<{ n: number }>().n);
        expect((await consumer.ack(idOf(res))).status).toBe(200);
      }
    };
    await Promise.all(Array.from({ length: 8 }, puller));
    expect(claims.length).toBe(total);
    expect(new Set(claims).size).toBe(total);
  });
});
