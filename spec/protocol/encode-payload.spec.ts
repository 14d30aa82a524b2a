import { errorOf } from '../support/result.js';
import { describe, expect, it } from 'vitest';
import { encodePayload } from '../../lib/protocol/encode-payload.js';

describe('encodePayload', () => {
  it('sends plain objects and arrays as JSON', () => {
    expect(encodePayload({ type: 'message' }).unwrap()).toEqual({
      kind: 'json',
      contentType: 'application/json',
      body: '{"type":"message"}',
    });
    expect(encodePayload([1, 'a', null]).unwrap().body).toBe('[1,"a",null]');
    expect(encodePayload(Object.create(null) as object).unwrap().body).toBe('{}');
  });

  it('sends strings as text, even when they look like JSON', () => {
    expect(encodePayload('{"a":1}').unwrap()).toEqual({
      kind: 'text',
      contentType: 'text/plain',
      body: '{"a":1}',
    });
  });

  it('sends Uint8Array, Buffer, ArrayBuffer and other views as bytes', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(encodePayload(bytes).unwrap()).toEqual({
      kind: 'bytes',
      contentType: 'application/octet-stream',
      body: bytes,
    });
    expect(new Uint8Array(encodePayload(Buffer.from([1, 2, 3])).unwrap().body as Uint8Array)).toEqual(bytes);
    expect(encodePayload(bytes.buffer).unwrap().body).toEqual(bytes);
    const view = new DataView(new Uint8Array([9, 1, 2, 3, 9]).buffer, 1, 3);
    expect(encodePayload(view).unwrap().body).toEqual(bytes);
  });

  it('writes what JSON.stringify writes: toJSON results, own properties, deep nesting', () => {
    const at = new Date('2026-11-25T00:00:00Z');
    expect(encodePayload({ at, list: [at] }).unwrap().body).toBe(
      '{"at":"2026-11-25T00:00:00.000Z","list":["2026-11-25T00:00:00.000Z"]}',
    );
    const inherited = Object.assign(Object.create({ hidden: 1 }) as object, { shown: 2 });
    expect(encodePayload(inherited).unwrap().body).toBe('{"shown":2}');
    let deep: object = { leaf: true };
    for (let i = 0; i < 200; i++) deep = { next: deep };
    expect(encodePayload(deep).unwrap().body).toBe(JSON.stringify(deep));
    expect(errorOf(encodePayload({ deep, n: 1n }))).toBe(
      'payload cannot be encoded as JSON: it holds a bigint at key "n"',
    );
  });

  it('leaves out properties whose value is undefined, as JSON does', () => {
    expect(encodePayload({ a: 1, b: undefined }).unwrap().body).toBe('{"a":1}');
  });

  it.each([
    [null, 'payload must not be null or undefined'],
    [undefined, 'payload must not be null or undefined'],
    ['', 'payload must not be empty'],
    [new Uint8Array(0), 'payload must not be empty'],
    [new ArrayBuffer(0), 'payload must not be empty'],
    [
      42,
      'payload must be a plain object, an array, a string or bytes (Uint8Array, Buffer, ArrayBuffer), got number 42',
    ],
    [
      true,
      'payload must be a plain object, an array, a string or bytes (Uint8Array, Buffer, ArrayBuffer), got boolean true',
    ],
    [
      10n,
      'payload must be a plain object, an array, a string or bytes (Uint8Array, Buffer, ArrayBuffer), got bigint 10',
    ],
    [
      () => 1,
      'payload must be a plain object, an array, a string or bytes (Uint8Array, Buffer, ArrayBuffer), got function',
    ],
    [
      Symbol('s'),
      'payload must be a plain object, an array, a string or bytes (Uint8Array, Buffer, ArrayBuffer), got symbol',
    ],
    [{ n: 10n }, 'payload cannot be encoded as JSON: it holds a bigint at key "n"'],
    [{ f: () => 1 }, 'payload cannot be encoded as JSON: it holds a function at key "f"'],
    [{ x: NaN }, 'payload cannot be encoded as JSON: it holds NaN at key "x" (JSON would turn it into null)'],
    [
      [Infinity],
      'payload cannot be encoded as JSON: it holds Infinity at index 0 (JSON would turn it into null)',
    ],
    [
      { deep: { t: -Infinity } },
      'payload cannot be encoded as JSON: it holds -Infinity at key "t" (JSON would turn it into null)',
    ],
    [[1, Symbol('s')], 'payload cannot be encoded as JSON: it holds a symbol at index 1'],
    [
      { m: new Map([[1, 2]]) },
      'payload cannot be encoded as JSON: it holds a Map at key "m" (JSON would turn it into {})',
    ],
    [
      new Set([1]),
      'payload cannot be encoded as JSON: it holds a Set at the top level (JSON would turn it into {})',
    ],
    [
      new Date('2026-11-25T00:00:00Z'),
      'payload must encode as a JSON object or array, got 2026-11-25T00:00:00.000Z',
    ],
    [{ toJSON: () => undefined }, 'payload must encode as a JSON object or array, got object'],
  ])('refuses %o with an exact message', (payload, message) => {
    expect(errorOf(encodePayload(payload))).toBe(message);
  });

  it('refuses circular structures', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(errorOf(encodePayload(cycle))).toBe(
      'payload cannot be encoded as JSON: it contains a circular reference',
    );
  });
});
