import { errorOf } from '../support/result.js';
import { describe, expect, it } from 'vitest';
import { decodePayload } from '../../lib/protocol/decode-payload.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('decodePayload', () => {
  it('reads application/json objects and arrays, pretty-printed or not', () => {
    expect(decodePayload('application/json; charset=utf-8', utf8('{\n          "a": 1\n}')).unwrap()).toEqual(
      { a: 1 },
    );
    expect(decodePayload('application/json', utf8('[1,2]')).unwrap()).toEqual([1, 2]);
  });

  it('reads a JSON string as base64 bytes (stored bytes after the push answer)', () => {
    expect(decodePayload('application/json; charset=utf-8', utf8('"AAEC/w=="')).unwrap()).toEqual(
      new Uint8Array([0, 1, 2, 255]),
    );
  });

  it('reads application/octet-stream as the bytes themselves', () => {
    const bytes = new Uint8Array([0, 255, 10]);
    expect(decodePayload('application/octet-stream', bytes).unwrap()).toBe(bytes);
  });

  it('reads text/html and text/plain as strings, even JSON-looking ones', () => {
    expect(decodePayload('text/html; charset=utf-8', utf8('{"a":1}')).unwrap()).toBe('{"a":1}');
    expect(decodePayload('text/plain', utf8('héllo ✓')).unwrap()).toBe('héllo ✓');
  });

  it('honours a text charset', () => {
    expect(decodePayload('text/plain; charset=latin1', new Uint8Array([0x68, 0xe9])).unwrap()).toBe('hé');
  });

  it('reads an empty body without Content-Type as the empty object', () => {
    expect(decodePayload(undefined, new Uint8Array(0)).unwrap()).toEqual({});
    expect(decodePayload(null, new Uint8Array(0)).unwrap()).toEqual({});
  });

  it.each([
    [undefined, 'x', 'the response has a body of 1 bytes but no Content-Type'],
    ['application/json', '{"a":', /^the response body is not valid JSON: /],
    ['application/json', '42', 'the response JSON is number 42, not an object, an array or a base64 string'],
    ['application/json', 'null', 'the response JSON is null, not an object, an array or a base64 string'],
    ['application/json', '"not base64!"', 'the response JSON string is not valid base64'],
    ['image/png', 'x', 'the response Content-Type "image/png" is not one the protocol uses'],
    ['text/plain; charset=klingon', 'x', 'the response charset "klingon" is not supported'],
  ])('refuses Content-Type %j with body %j', (type, body, message) => {
    expect(errorOf(decodePayload(type, utf8(body)))).toMatch(message);
  });
});
