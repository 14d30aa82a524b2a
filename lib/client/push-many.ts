import { Err, Ok, type Result } from 'ts-results-es';
import { encodeBase64 } from '../protocol/base64.js';
import { describeValue } from '../protocol/validation.js';
import type { PushManyMessage } from './client-core.js';
import type { SciroccoError } from './scirocco-error.js';
import { invalidArgument } from './status-error.js';
import { validatePush, type ValidPush } from './validate-input.js';

/**
 * The rule of every client's `pushMany`: a list of 1 or more messages, each checked as its own
 * `push` would be; the first bad one fails the whole call, before any request, naming its place.
 */
export function validatePushMany(messages: unknown, now: number): Result<ValidPush[], SciroccoError> {
  const rejected = (reason: string) => Err(invalidArgument('pushMany', reason));
  if (!Array.isArray(messages)) {
    return rejected(`messages must be an array of messages, got ${describeValue(messages)}`);
  }
  if (messages.length === 0) return rejected('messages must hold 1 or more messages, got none');
  const valid: ValidPush[] = [];
  for (const [n, message] of (messages as unknown[]).entries()) {
    if (typeof message !== 'object' || message === null) {
      return rejected(
        `messages[${String(n)}] must be an object { destination, payload }, got ${describeValue(message)}`,
      );
    }
    const { destination, payload, payloadType, scheduledAt } = message as Partial<PushManyMessage>;
    const checked = validatePush(destination, payload, { payloadType, scheduledAt }, now);
    if (checked.isErr()) return rejected(`messages[${String(n)}]: ${checked.error}`);
    valid.push(checked.value);
  }
  return Ok(valid);
}

/** One message of a batch push body, as JSON: its fields, its push body as a string. */
export function batchPushItemJson(push: ValidPush): string {
  const { encoded } = push;
  const payload = typeof encoded.body === 'string' ? encoded.body : encodeBase64(encoded.body);
  return JSON.stringify({
    destination: push.destination,
    contentType: encoded.contentType,
    payload,
    ...(push.payloadType === undefined ? {} : { payloadType: push.payloadType }),
    ...(push.scheduledAt === undefined ? {} : { scheduledTime: push.scheduledAt.toISOString() }),
  });
}

/** The bytes of `text` in UTF-8, counted without encoding it. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x800) bytes += code >= 0xd800 && code <= 0xdbff ? 1 : 2;
    else if (code >= 0x80) bytes += 1;
  }
  return bytes;
}

/** The wrapper of a batch push body around its items: `{"messages":[` and `]}`. */
const WRAPPER_BYTES = '{"messages":[]}'.length;

/**
 * Splits the items of a batch push (their JSON) into the requests that carry them, in order: at
 * most `most` items and `maxBytes` of body each. An item too big for any batch is a chunk of its
 * own, marked `alone`: it goes as a single push.
 */
export function batchPushChunks(
  items: readonly string[],
  most: number,
  maxBytes: number,
): { readonly start: number; readonly items: string[]; readonly alone: boolean }[] {
  const chunks: { start: number; items: string[]; alone: boolean }[] = [];
  let current: { start: number; items: string[]; alone: boolean } | undefined;
  let bytes = WRAPPER_BYTES;
  items.forEach((item, n) => {
    const size = utf8Length(item);
    if (WRAPPER_BYTES + size > maxBytes) {
      current = undefined;
      chunks.push({ start: n, items: [item], alone: true });
      return;
    }
    const comma = current && current.items.length > 0 ? 1 : 0;
    if (!current || current.items.length >= most || bytes + comma + size > maxBytes) {
      current = { start: n, items: [], alone: false };
      chunks.push(current);
      bytes = WRAPPER_BYTES;
    }
    bytes += (current.items.length > 0 ? 1 : 0) + size;
    current.items.push(item);
  });
  return chunks;
}
