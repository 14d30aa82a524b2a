import { Err, Ok, type Result } from 'ts-results-es';
import { PAYLOAD_CONTENT_TYPES, type PayloadKind } from './payload-kind.js';
import { describeValue } from './validation.js';

/** A payload ready for the wire: its kind, the request `Content-Type`, and the body. */
export interface EncodedPayload {
  readonly kind: PayloadKind;
  readonly contentType: string;
  /** JSON text, plain text, or bytes. */
  readonly body: string | Uint8Array;
}

class Unencodable extends Error {}

function where(key: string): string {
  return key === ''
    ? 'at the top level'
    : /^\d+$/.test(key)
      ? `at index ${key}`
      : `at key ${JSON.stringify(key)}`;
}

function strictReplacer(key: string, value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) {
        throw new Unencodable(`${String(value)} ${where(key)} (JSON would turn it into null)`);
      }
      return value;
    case 'bigint':
    case 'function':
    case 'symbol':
      throw new Unencodable(`a ${typeof value} ${where(key)}`);
    default:
      if (
        value instanceof Map ||
        value instanceof Set ||
        value instanceof WeakMap ||
        value instanceof WeakSet
      ) {
        throw new Unencodable(`a ${value.constructor.name} ${where(key)} (JSON would turn it into {})`);
      }
      return value;
  }
}

function toBytes(payload: object): Uint8Array | undefined {
  if (payload instanceof Uint8Array) return payload;
  if (payload instanceof ArrayBuffer) return new Uint8Array(payload);
  if (ArrayBuffer.isView(payload))
    return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  return undefined;
}

/**
 * Whether `value` is plain data that `JSON.stringify` writes without loss and without calling
 * anything: no `toJSON`, no NaN or ±Infinity, no bigint, function, symbol, `Map` or `Set`, at most 64 levels deep (a
 * circular reference fails that). Payloads that fail it take the strict replacer, which finds
 * and names the problem; the common ones skip a call into JavaScript per value.
 */
function isPlainData(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'number') return Number.isFinite(value);
    return typeof value !== 'bigint' && typeof value !== 'function' && typeof value !== 'symbol';
  }
  if (depth > 64 || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (value instanceof Map || value instanceof Set || value instanceof WeakMap || value instanceof WeakSet) {
    return false;
  }
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) if (!isPlainData(item, depth + 1)) return false;
    return true;
  }
  for (const key in value) {
    if (Object.hasOwn(value, key) && !isPlainData((value as Record<string, unknown>)[key], depth + 1)) {
      return false;
    }
  }
  return true;
}

/** `JSON.stringify` gives `undefined` for a value whose `toJSON` returns `undefined`. */
function stringify(payload: object): string | undefined {
  return isPlainData(payload, 0) ? JSON.stringify(payload) : JSON.stringify(payload, strictReplacer);
}

function encodeJson(payload: object): Result<EncodedPayload, string> {
  let body: string | undefined;
  try {
    body = stringify(payload);
  } catch (error) {
    if (error instanceof Unencodable)
      return Err(`payload cannot be encoded as JSON: it holds ${error.message}`);
    return Err('payload cannot be encoded as JSON: it contains a circular reference');
  }
  if (body === undefined || !(body.startsWith('{') || body.startsWith('['))) {
    return Err(`payload must encode as a JSON object or array, got ${describeValue(payload)}`);
  }
  return Ok({ kind: 'json', contentType: PAYLOAD_CONTENT_TYPES.json, body });
}

/**
 * Encodes a payload by its kind, as the protocol carries it: plain objects and arrays as
 * `application/json`, strings as `text/plain`, and bytes (`Uint8Array`, `Buffer`, `ArrayBuffer`
 * or any other `ArrayBuffer` view) as `application/octet-stream`.
 *
 * It refuses, with an exact message, what cannot travel without loss: `null` and `undefined`,
 * empty strings and empty bytes, numbers, booleans and other non-objects, and JSON that would
 * lose data (NaN or ±Infinity, which JSON turns into `null`; a bigint, function, symbol, `Map` or
 * `Set` anywhere; a circular reference).
 * Properties whose value is `undefined` are left out, as `JSON.stringify` does.
 *
 * @example
 * ```ts
 * import { encodePayload } from 'scirocco-rx';
 *
 * encodePayload({ type: 'message' }).unwrap();
 * // { kind: 'json', contentType: 'application/json', body: '{"type":"message"}' }
 * encodePayload('message').unwrap().contentType; // 'text/plain'
 * encodePayload(42).unwrapErr();
 * // 'payload must be a plain object, an array, a string or bytes (Uint8Array, Buffer, ArrayBuffer), got number 42'
 * ```
 */
export function encodePayload(payload: unknown): Result<EncodedPayload, string> {
  if (payload === null || payload === undefined) return Err('payload must not be null or undefined');
  if (typeof payload === 'string') {
    if (payload === '') return Err('payload must not be empty');
    return Ok({ kind: 'text', contentType: PAYLOAD_CONTENT_TYPES.text, body: payload });
  }
  if (typeof payload !== 'object') {
    return Err(
      `payload must be a plain object, an array, a string or bytes (Uint8Array, Buffer, ArrayBuffer), got ${describeValue(payload)}`,
    );
  }
  const bytes = toBytes(payload);
  if (bytes) {
    if (bytes.byteLength === 0) return Err('payload must not be empty');
    return Ok({ kind: 'bytes', contentType: PAYLOAD_CONTENT_TYPES.bytes, body: bytes });
  }
  return encodeJson(payload);
}
