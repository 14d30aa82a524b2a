import { Err, Ok, type Result } from 'ts-results-es';

/**
 * Node ids written into a message are non-empty hexadecimal strings.
 *
 * @example
 * ```ts
 * import { NODE_ID_PATTERN } from 'scirocco-rx';
 *
 * NODE_ID_PATTERN.test('af123'); // true
 * ```
 */
export const NODE_ID_PATTERN = /^[0-9a-fA-F]+$/;

/**
 * A W3C trace context `traceparent` value of version 00: `00-<trace id>-<span id>-<flags>`, the
 * ids not all zeros (checked apart), in lowercase hexadecimal.
 *
 * @example
 * ```ts
 * import { TRACE_PARENT_PATTERN } from 'scirocco-rx';
 *
 * TRACE_PARENT_PATTERN.test('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'); // true
 * ```
 */
export const TRACE_PARENT_PATTERN = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * Message ids are MongoDB ObjectIds: 24 hexadecimal characters.
 *
 * @example
 * ```ts
 * import { MESSAGE_ID_PATTERN } from 'scirocco-rx';
 *
 * MESSAGE_ID_PATTERN.test('5823a70203c123003de4229b'); // true
 * ```
 */
export const MESSAGE_ID_PATTERN = /^[0-9a-fA-F]{24}$/;

/**
 * The longest `Scirocco-Payload-Type` the server stores.
 *
 * @example
 * ```ts
 * import { MAX_PAYLOAD_TYPE_LENGTH } from 'scirocco-rx';
 *
 * const label = 'a long descriptive payload type label'.slice(0, MAX_PAYLOAD_TYPE_LENGTH);
 * ```
 */
export const MAX_PAYLOAD_TYPE_LENGTH = 30;

/** Printable ASCII, space included: what can travel in an HTTP header value on every platform. */
const HEADER_SAFE = /^[\x20-\x7e]*$/;

/**
 * Describes a value for an error message: strings quoted (cut after 40 characters, control
 * characters escaped), anything else by its kind.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `${JSON.stringify(shown)}${value.length > 40 ? ` (${value.length} characters)` : ''}`;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  return typeof value;
}

/**
 * Checks a node id: a non-empty string of hexadecimal digits.
 *
 * @param label - how the message names the value, for example `'destination node id'`.
 * @returns the id, or the exact reason it is refused.
 *
 * @example
 * ```ts
 * import { validateNodeId } from 'scirocco-rx';
 *
 * validateNodeId('af123').isOk(); // true
 * validateNodeId('xyz', 'destination node id').unwrapErr();
 * // 'destination node id must be a non-empty hexadecimal string (0-9, a-f, A-F), got "xyz"'
 * ```
 */
export function validateNodeId(value: unknown, label = 'node id'): Result<string, string> {
  if (typeof value === 'string' && NODE_ID_PATTERN.test(value)) return Ok(value);
  return Err(`${label} must be a non-empty hexadecimal string (0-9, a-f, A-F), got ${describeValue(value)}`);
}

/**
 * Checks a message id: exactly 24 hexadecimal characters. Ids are returned in lowercase, the
 * form the server writes them in.
 *
 * @example
 * ```ts
 * import { validateMessageId } from 'scirocco-rx';
 *
 * validateMessageId('5823A70203C123003DE4229B').unwrap(); // '5823a70203c123003de4229b'
 * validateMessageId('abc').unwrapErr(); // 'message id must be 24 hexadecimal characters, got "abc"'
 * ```
 */
export function validateMessageId(value: unknown): Result<string, string> {
  if (typeof value === 'string' && MESSAGE_ID_PATTERN.test(value)) return Ok(value.toLowerCase());
  return Err(`message id must be 24 hexadecimal characters, got ${describeValue(value)}`);
}

/**
 * Checks a text that will become an HTTP header value: printable ASCII only, so no CR, LF or
 * other control character can split or smuggle a header.
 *
 * @param secret - when true the value is never shown in the message (for tokens).
 *
 * @example
 * ```ts
 * import { validateHeaderValue } from 'scirocco-rx';
 *
 * validateHeaderValue('a\r\nb', 'payloadType').unwrapErr();
 * // 'payloadType must contain only printable ASCII characters (no CR, LF or other control characters), got "a\\r\\nb"'
 * ```
 */
export function validateHeaderValue(value: unknown, label: string, secret = false): Result<string, string> {
  if (typeof value !== 'string') return Err(`${label} must be a string, got ${describeValue(value)}`);
  if (HEADER_SAFE.test(value)) return Ok(value);
  const rule = `${label} must contain only printable ASCII characters (no CR, LF or other control characters)`;
  return Err(secret ? rule : `${rule}, got ${describeValue(value)}`);
}

/**
 * Checks a payload type: 1 to {@link MAX_PAYLOAD_TYPE_LENGTH} printable ASCII characters.
 *
 * @example
 * ```ts
 * import { validatePayloadType } from 'scirocco-rx';
 *
 * validatePayloadType('temperature').isOk(); // true
 * validatePayloadType('x'.repeat(31)).unwrapErr(); // 'payloadType must be 1 to 30 characters long, got 31'
 * ```
 */
export function validatePayloadType(value: unknown): Result<string, string> {
  return validateHeaderValue(value, 'payloadType').andThen((text) =>
    text.length >= 1 && text.length <= MAX_PAYLOAD_TYPE_LENGTH
      ? Ok(text)
      : Err(`payloadType must be 1 to ${MAX_PAYLOAD_TYPE_LENGTH} characters long, got ${text.length}`),
  );
}

/**
 * Checks the time a scheduled message becomes due: a valid `Date` after `now`.
 *
 * @param now - the current time in milliseconds since the epoch.
 *
 * @example
 * ```ts
 * import { validateScheduledAt } from 'scirocco-rx';
 *
 * validateScheduledAt(new Date(Date.now() + 5_000), Date.now()).isOk(); // true
 * validateScheduledAt(new Date('2020-01-01T00:00:00Z'), Date.now()).unwrapErr();
 * // 'scheduledAt must be in the future, got 2020-01-01T00:00:00.000Z'
 * ```
 */
export function validateScheduledAt(value: unknown, now: number): Result<Date, string> {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    return Err(`scheduledAt must be a valid Date, got ${describeValue(value)}`);
  }
  if (value.getTime() <= now) return Err(`scheduledAt must be in the future, got ${value.toISOString()}`);
  return Ok(value);
}
