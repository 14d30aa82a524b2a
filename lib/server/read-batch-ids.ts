import { MESSAGE_ID_PATTERN } from '../protocol/validation.js';
import type { RequestBody } from './read-body.js';
import { readJsonObject, invalidField as invalid } from './read-json-object.js';
import type { Reply } from './reply.js';

/** What a batch ack or nack asks for: the ids as sent, and a nack's delay. */
export interface BatchIds {
  /** Each id as sent, echoed so in the answer (one that names no message is answered 404). */
  readonly ids: readonly unknown[];
  /** A nack's `delay`, in milliseconds: 0 when absent. */
  readonly delayMs: number;
}

/** The id of a batch item in the store's form, or `undefined` for one that names no message. */
export function batchItemId(id: unknown): string | undefined {
  return typeof id === 'string' && MESSAGE_ID_PATTERN.test(id) ? id.toLowerCase() : undefined;
}

/**
 * Reads the body of `PATCH /messageQueue/batch/ack` (or `/nack`): a JSON object `{"ids": [...]}`
 * of 1 to `max` ids (a nack may add `"delay": MS`), or the 400 answer to any other body. An id that
 * is not one of 24 hexadecimal characters is not refused here: it is answered 404 on its own, so
 * that one bad id never fails the others.
 */
export function readBatchIds(body: RequestBody, max: number, withDelay: boolean): BatchIds | Reply {
  const read = readJsonObject(body, '{"ids": [...]}');
  if (read.isErr()) return read.error;
  const { ids, delay } = read.value;
  if (!Array.isArray(ids) || ids.length < 1 || ids.length > max) {
    return invalid('ids', `ids must be an array of 1 to ${String(max)} message ids.`, ids ?? null);
  }
  let delayMs = 0;
  if (withDelay && delay !== undefined) {
    if (typeof delay !== 'number' || !Number.isSafeInteger(delay) || delay < 0) {
      return invalid('delay', 'The delay must be a whole number of milliseconds.', delay);
    }
    delayMs = delay;
  }
  return { ids, delayMs };
}
