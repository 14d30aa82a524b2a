import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodePayload } from '../../lib/protocol/decode-payload.js';
import { messageFromListItem } from '../../lib/protocol/message-from-list-item.js';
import { metadataFromHeaders } from '../../lib/protocol/metadata-from-headers.js';
import { sameBytes } from '../support/bytes.js';
import { nodeClient, type WireResponse } from '../support/http.js';
import { useServer } from '../support/server.js';

function decode(res: WireResponse): unknown {
  return decodePayload(res.headers['content-type'], new Uint8Array(res.body)).unwrap();
}

const bytes = new Uint8Array(randomBytes(900 * 1024));

const cases: [string, string | Uint8Array | object, (value: unknown) => void][] = [
  [
    'an object',
    { nested: { deep: [1, 'two', null, true] }, unicode: 'ñ✓😀' },
    (v) => expect(v).toEqual({ nested: { deep: [1, 'two', null, true] }, unicode: 'ñ✓😀' }),
  ],
  ['an array', [1, { a: [] }, 'x'], (v) => expect(v).toEqual([1, { a: [] }, 'x'])],
  ['unicode text', 'héllo wörld ✓ 😀 — 日本語', (v) => expect(v).toBe('héllo wörld ✓ 😀 — 日本語')],
  ['JSON-looking text', '{"looks":"like json"}', (v) => expect(v).toBe('{"looks":"like json"}')],
  ['base64-looking text', 'AAEC', (v) => expect(v).toBe('AAEC')],
  ['900 kB of random bytes', bytes, (v) => expect(sameBytes(v, bytes)).toBe(true)],
];

describe('payload round trips: push → pull → show → ack → list, decoded by the protocol layer', () => {
  const srv = useServer();

  it.each(cases)('keeps %s', async (_, payload, check) => {
    const a = nodeClient(srv.url, 'af123');
    const pushed = await a.push('af123', payload);
    expect(pushed.status).toBe(201);
    check(decode(pushed));
    const id = metadataFromHeaders((name) => pushed.headers[name.toLowerCase()]).unwrap().id;
    const pulled = await a.pull();
    check(decode(pulled));
    expect(metadataFromHeaders((name) => pulled.headers[name.toLowerCase()]).unwrap()).toMatchObject({
      id,
      status: 'processing',
      tries: 1,
    });
    check(decode(await a.show(id)));
    const acked = await a.ack(id);
    check(decode(acked));
    const listed = (await a.list()).json<unknown[]>().map((item) => messageFromListItem(item).unwrap());
    expect(listed).toHaveLength(1);
    expect(listed[0]!.metadata).toMatchObject({ id, status: 'processed', tries: 1 });
    check(listed[0]!.payload);
  });
});
