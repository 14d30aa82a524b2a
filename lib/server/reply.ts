import { HEADERS } from '../protocol/headers.js';
import { LIST_CONTENT_TYPE_FIELD } from '../protocol/message-from-list-item.js';
import { METADATA_FIELDS } from '../protocol/metadata-fields.js';
import { PAYLOAD_CONTENT_TYPES } from '../protocol/payload-kind.js';
import type { StoredMessage } from './message-store.js';

/**
 * An HTTP answer before it is written: what the console's files are served as.
 *
 * @example
 * ```ts
 * import type { Reply } from 'scirocco-rx/server';
 *
 * const reply: Reply = { status: 200, headers: { 'Content-Type': 'text/plain' }, body: 'ok' };
 * ```
 */
export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** Tells an answer from the other values a step may give (a message, a body read, a wait). */
export function isReply(value: object): value is Reply {
  return 'headers' in value && 'body' in value && 'status' in value;
}

/** An answer with a JSON body. */
export function jsonReply(status: number, value: unknown): Reply {
  return { status, headers: { 'Content-Type': JSON_TYPE }, body: JSON.stringify(value) };
}

/** An error answer: `{"message": ..., "errors"?: ...}`. */
export function errorReply(status: number, message: string, errors?: Record<string, unknown>): Reply {
  return jsonReply(status, errors === undefined ? { message } : { message, errors });
}

/** An answer with no body (204, or a HEAD that claims nothing). */
export function emptyReply(status: number, headers: Readonly<Record<string, string>> = {}): Reply {
  return { status, headers, body: '' };
}

const RESOURCE_NOT_FOUND_MESSAGE = 'Resource not found.';

/** The answer to a request for a message that is not there, not the caller's, or in the wrong state. */
export const RESOURCE_NOT_FOUND = (): Reply => errorReply(404, RESOURCE_NOT_FOUND_MESSAGE);

/**
 * The answer to a push to a node whose waiting messages reached the server's bound
 * (`maxWaitingPerNode`): 507 Insufficient Storage, retryable once consumers free room.
 */
export const QUEUE_FULL = (destination: string, max: number): Reply => {
  const reply = errorReply(
    507,
    `Node ${destination} has ${String(max)} messages waiting, the most this server keeps for a node: push again once its consumers have taken some.`,
  );
  return { ...reply, headers: { ...reply.headers, 'Retry-After': '1' } };
};

/** The answer to an unknown route. */
export const NOT_FOUND = (): Reply => errorReply(404, 'Not Found');

/** `Date.toString()` of recent seconds: it formats in the local zone, which is slow. */
const dateStrings = new Map<number, string>();

function dateString(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  let text = dateStrings.get(second);
  if (text === undefined) {
    if (dateStrings.size >= 64) dateStrings.clear();
    text = date.toString();
    dateStrings.set(second, text);
  }
  return text;
}

function headerValue(value: unknown): string {
  return value instanceof Date ? dateString(value) : String(value);
}

/**
 * A single message as the protocol answers it: metadata as `Scirocco-*` headers (dates in
 * `Date.toString()` form, null fields left out), payload as the body. Stored strings are answered
 * as `text/html`; bytes as raw bytes in the push answer (`fresh`) and as a base64 JSON string in
 * every later answer.
 */
export function messageReply(status: number, message: StoredMessage, fresh = false): Reply {
  const headers: Record<string, string> = {};
  for (const spec of METADATA_FIELDS) {
    const value = message[spec.key];
    if (value !== undefined) headers[spec.header] = headerValue(value);
  }
  if (fresh) headers.Location = `/messages/${message.id}`;
  const { payload } = message;
  let body: string | Uint8Array;
  switch (payload.kind) {
    case 'json':
      headers['Content-Type'] = JSON_TYPE;
      body = payload.value;
      break;
    case 'text':
      headers['Content-Type'] = 'text/html; charset=utf-8';
      body = payload.value;
      break;
    case 'bytes':
      headers['Content-Type'] = fresh ? PAYLOAD_CONTENT_TYPES.bytes : JSON_TYPE;
      body = fresh ? payload.value : JSON.stringify(base64(payload.value));
      break;
  }
  return { status, headers, body };
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function payloadJson(message: StoredMessage): string {
  const { payload } = message;
  if (payload.kind === 'json') return payload.value;
  return JSON.stringify(payload.kind === 'text' ? payload.value : base64(payload.value));
}

/**
 * One item of the list answer: the field names of the protocol, dates in ISO 8601, the payload
 * as JSON (bytes as base64), and {@link LIST_CONTENT_TYPE_FIELD} telling how it was pushed.
 */
export function listItemJson(message: StoredMessage): string {
  const fields = listFields(message);
  fields[LIST_CONTENT_TYPE_FIELD] = PAYLOAD_CONTENT_TYPES[message.payload.kind];
  const head = JSON.stringify(fields);
  return `${head.slice(0, -1)},"payload":${payloadJson(message)}}`;
}

/** A message's metadata as a list item names it (snake_case, dates as ISO 8601 in JSON). */
function listFields(message: StoredMessage): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const spec of METADATA_FIELDS) {
    const value = message[spec.key];
    if (value !== undefined) fields[spec.field] = value;
  }
  return fields;
}

/**
 * The answer to a batch ack or nack: 200 with one item per id, in the order sent — `{"id", "status":
 * 200, "metadata"}` (a list item's fields, no payload, so that the answer stays small) for a message
 * settled, `{"id", "status": 404, "message": "Resource not found."}` as the single-message route
 * answers for one that was not (`undefined`: not the caller's, not `processing`, or no id).
 */
export function batchReply(ids: readonly unknown[], settled: readonly (StoredMessage | undefined)[]): Reply {
  const items = settled.map((message, n) =>
    message
      ? { id: ids[n], status: 200, metadata: listFields(message) }
      : { id: ids[n], status: 404, message: RESOURCE_NOT_FOUND_MESSAGE },
  );
  return jsonReply(200, items);
}

/**
 * The answer to a batch push: 200 with one item per message, in the order sent — `{"status": 201,
 * "metadata"}` (a list item's fields, no payload: the sender has it) for a message stored, or the
 * status and the body of the answer its push of its own would have had (`{"status": 400,
 * "message", "errors"}`, 413, 507) for one refused.
 */
export function batchPushReply(outcomes: readonly (StoredMessage | Reply)[]): Reply {
  const items = outcomes.map((outcome) =>
    isReply(outcome)
      ? { status: outcome.status, ...(JSON.parse(String(outcome.body)) as object) }
      : { status: 201, metadata: listFields(outcome) },
  );
  return jsonReply(200, items);
}

/** The list answer: 200 with a JSON array, or 204 when there is nothing. */
export function listReply(messages: readonly StoredMessage[]): Reply {
  if (messages.length === 0) return emptyReply(204);
  return {
    status: 200,
    headers: { 'Content-Type': JSON_TYPE },
    body: `[${messages.map(listItemJson).join(',')}]`,
  };
}

/** The header a request names its caller's node with. */
export const NODE_SOURCE_HEADER = HEADERS.nodeSource.toLowerCase();
