import { describe, expect, it } from 'vitest';
import { nodeClient, send, type WireResponse } from '../support/http.js';
import { useServer } from '../support/server.js';

const TRACE_PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const idOf = (res: WireResponse) => res.headers['scirocco-id'] ?? '';

describe('the trace-context extension', () => {
  const srv = useServer();

  it('keeps a push’s Scirocco-Trace-Parent with its message and returns it on pull, get and list', async () => {
    expect((await send(srv.url)).headers['scirocco-extensions']).toContain('trace-context');
    const a1 = nodeClient(srv.url, 'a1');
    const pushed = await a1.push('b2', { n: 1 }, { 'Scirocco-Trace-Parent': TRACE_PARENT.toUpperCase() });
    expect(pushed.headers['scirocco-trace-parent']).toBe(TRACE_PARENT);
    const pulled = await nodeClient(srv.url, 'b2').pull();
    expect(pulled.headers['scirocco-trace-parent']).toBe(TRACE_PARENT);
    expect((await a1.show(idOf(pushed))).headers['scirocco-trace-parent']).toBe(TRACE_PARENT);
    const [item] = (await a1.list()).json<{ trace_parent?: string }[]>();
    expect(item?.trace_parent).toBe(TRACE_PARENT);
  });

  it('drops an invalid trace context without refusing the push, and stores none when none is sent', async () => {
    const a1 = nodeClient(srv.url, 'a1');
    for (const bad of ['garbage', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', '01-x']) {
      const pushed = await a1.push('b2', 'x', { 'Scirocco-Trace-Parent': bad });
      expect(pushed.status).toBe(201);
      expect(pushed.headers['scirocco-trace-parent']).toBeUndefined();
    }
    const plain = await a1.push('b2', 'y');
    expect(plain.headers['scirocco-trace-parent']).toBeUndefined();
    const items = (await a1.list()).json<Record<string, unknown>[]>();
    expect(items.every((item) => !('trace_parent' in item))).toBe(true);
  });

  it('gives the batch’s trace context to each message of a batch push', async () => {
    const res = await send(srv.url, {
      method: 'POST',
      path: '/messageQueue/batch',
      headers: {
        'Scirocco-Node-Source': 'a1',
        'Content-Type': 'application/json',
        'Scirocco-Trace-Parent': TRACE_PARENT,
      },
      body: JSON.stringify({
        messages: [
          { destination: 'b2', payload: '{"n": 1}' },
          { destination: 'c3', payload: 'x', contentType: 'text/plain' },
        ],
      }),
    });
    const items = res.json<{ metadata: { trace_parent?: string } }[]>();
    expect(items.map((item) => item.metadata.trace_parent)).toEqual([TRACE_PARENT, TRACE_PARENT]);
  });
});

describe('the trace-context extension on a plain server', () => {
  const srv = useServer({ plain: true });

  it('is not offered: the header is ignored, as the original does', async () => {
    expect((await send(srv.url)).headers['scirocco-extensions']).toBeUndefined();
    const pushed = await nodeClient(srv.url, 'a1').push('b2', 'x', { 'Scirocco-Trace-Parent': TRACE_PARENT });
    expect(pushed.headers['scirocco-trace-parent']).toBeUndefined();
  });
});
