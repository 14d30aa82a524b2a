import { Err, Ok, type Result } from 'ts-results-es';
import { decodeBase64 } from './base64.js';
import { charsetOf, mediaTypeOf } from './payload-kind.js';
import { describeValue } from './validation.js';

const UTF8 = new TextDecoder();

function decodeText(body: Uint8Array, charset: string | undefined): Result<string, string> {
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8') return Ok(UTF8.decode(body));
  try {
    return Ok(new TextDecoder(charset).decode(body));
  } catch {
    return Err(`the response charset ${JSON.stringify(charset)} is not supported`);
  }
}

/**
 * Reads parsed JSON as a payload: an object or array is the payload itself; a string can only be
 * bytes in base64 (a JSON push is always an object or array), so it becomes a `Uint8Array`.
 */
export function payloadFromJson(value: unknown): Result<unknown, string> {
  if (typeof value === 'string') {
    const bytes = decodeBase64(value);
    return bytes ? Ok(bytes) : Err('the response JSON string is not valid base64');
  }
  if (typeof value === 'object' && value !== null) return Ok(value);
  return Err(`the response JSON is ${describeValue(value)}, not an object, an array or a base64 string`);
}

/**
 * Decodes a single-message body by the response's `Content-Type`, never by sniffing and never by
 * `Scirocco-Payload-Type`:
 *
 * - `application/octet-stream` → the bytes (`Uint8Array`);
 * - `text/*` (the server answers stored strings as `text/html`) → a string, JSON-looking or not;
 * - `application/json` → the object or array; a JSON *string* is bytes in base64, decoded;
 * - an empty body with no `Content-Type` → `{}` (the original server drops empty objects).
 *
 * Anything else is a protocol violation, given as the exact reason.
 *
 * @example
 * ```ts
 * import { decodePayload } from 'scirocco-rx';
 *
 * const bytes = new TextEncoder().encode('"AAEC/w=="');
 * decodePayload('application/json; charset=utf-8', bytes).unwrap(); // Uint8Array [0, 1, 2, 255]
 * decodePayload('text/html; charset=utf-8', new TextEncoder().encode('{"a":1}')).unwrap(); // '{"a":1}'
 * ```
 */
export function decodePayload(
  contentType: string | null | undefined,
  body: Uint8Array,
): Result<unknown, string> {
  const media = mediaTypeOf(contentType);
  if (media === undefined) {
    return body.byteLength === 0
      ? Ok({})
      : Err(`the response has a body of ${body.byteLength} bytes but no Content-Type`);
  }
  if (media === 'application/octet-stream') return Ok(body);
  if (media.startsWith('text/')) return decodeText(body, charsetOf(contentType));
  if (media === 'application/json' || media.endsWith('+json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(UTF8.decode(body));
    } catch (error) {
      return Err(`the response body is not valid JSON: ${(error as Error).message}`);
    }
    return payloadFromJson(parsed);
  }
  return Err(`the response Content-Type ${JSON.stringify(contentType)} is not one the protocol uses`);
}
