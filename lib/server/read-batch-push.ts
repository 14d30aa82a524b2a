import type { IncomingHttpHeaders } from 'node:http';
import { decodeBase64 } from '../protocol/base64.js';
import { HEADERS } from '../protocol/headers.js';
import { payloadLimitBytes } from '../protocol/queue-limits.js';
import type { StoredPayload } from './message-store.js';
import { readPushFields, type PushFields } from './push-fields.js';
import type { RequestBody } from './read-body.js';
import { invalidField as invalid, readJsonObject } from './read-json-object.js';
import { errorReply, isReply, type Reply } from './reply.js';
import type { ServerLimits } from './server-limits.js';

/** One message of a batch push, read: what to store, or the answer to it alone. */
export type BatchPushItem =
  { readonly fields: PushFields; readonly payload: StoredPayload } | { readonly refused: Reply };

/** The Content-Types a batch item may name, and the kind each stores. */
const KINDS: Readonly<Record<string, StoredPayload['kind']>> = {
  'application/json': 'json',
  'text/plain': 'text',
  'application/octet-stream': 'bytes',
};

const INVALID_ITEM_CONTENT_TYPE =
  'contentType must be one of application/json (the default), text/plain, application/octet-stream.';

const UTF8 = new TextEncoder();

/** Why a JSON payload cannot be stored, as a push of its own is answered; `undefined`: it can. */
function jsonRefusal(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  return typeof parsed === 'object' && parsed !== null
    ? undefined
    : 'a JSON body must be an object or an array';
}

/**
 * The payload of an item as its `contentType` stores it, or the answer that refuses it. The
 * payload travels as a string, the body its push would have had (bytes in base64), so that a
 * JSON payload is stored as sent, to the digit, as a push's body is.
 */
function itemPayload(payload: unknown, contentType: string, limits: ServerLimits): StoredPayload | Reply {
  const kind = KINDS[contentType];
  if (kind === undefined) return invalid('contentType', INVALID_ITEM_CONTENT_TYPE, contentType);
  if (payload !== undefined && typeof payload !== 'string') {
    return invalid(
      'payload',
      'The payload must be a string: the body of its push (bytes in base64).',
      typeof payload,
    );
  }
  const text = payload ?? '';
  let stored: StoredPayload;
  let size: number;
  if (kind === 'bytes') {
    const bytes = decodeBase64(text);
    if (!bytes)
      return invalid('payload', 'The payload of application/octet-stream must be base64.', 'string');
    stored = { kind, value: bytes };
    size = bytes.length;
  } else if (kind === 'text') {
    stored = { kind, value: text };
    size = UTF8.encode(text).length;
  } else {
    const trimmed = text.trim();
    if (trimmed === '') stored = { kind, value: '{}' };
    else {
      const refusal = jsonRefusal(trimmed);
      if (refusal !== undefined) return errorReply(400, refusal);
      stored = { kind, value: trimmed };
    }
    size = UTF8.encode(trimmed).length;
  }
  return size > payloadLimitBytes(limits, kind) ? errorReply(413, 'request entity too large') : stored;
}

/** A field of an item that must be a string where present (a scheduled time may be a number). */
function stringField(
  item: Record<string, unknown>,
  name: string,
  numberToo = false,
): string | Reply | undefined {
  const value = item[name];
  if (value === undefined || typeof value === 'string') return value;
  if (numberToo && typeof value === 'number' && Number.isFinite(value)) return String(value);
  return invalid(name, `${name} must be a string${numberToo ? ' or a number of milliseconds' : ''}.`, value);
}

/** Reads one item: its fields checked as a push's headers are, its payload as its body is. */
function readItem(
  item: unknown,
  caller: string | undefined,
  limits: ServerLimits,
  now: number,
): BatchPushItem {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return {
      refused: invalid('message', 'Each message must be a JSON object.', item === null ? null : typeof item),
    };
  }
  const fields = item as Record<string, unknown>;
  const destination = stringField(fields, 'destination');
  const contentType = stringField(fields, 'contentType');
  const payloadType = stringField(fields, 'payloadType');
  const status = stringField(fields, 'status');
  const scheduledTime = stringField(fields, 'scheduledTime', true);
  for (const read of [destination, contentType, payloadType, status, scheduledTime]) {
    if (typeof read === 'object') return { refused: read };
  }
  const type = (contentType as string | undefined) ?? 'application/json';
  // The headers this message would have had as a push of its own.
  const headers: IncomingHttpHeaders = {};
  const set = (header: string, value: string | Reply | undefined) => {
    if (typeof value === 'string') headers[header.toLowerCase()] = value;
  };
  set(HEADERS.nodeDestination, destination);
  if (caller !== undefined) set(HEADERS.nodeSource, caller);
  set(HEADERS.payloadType, payloadType);
  set(HEADERS.status, status ?? (scheduledTime === undefined ? undefined : 'scheduled'));
  set(HEADERS.scheduledTime, scheduledTime);
  const read = readPushFields(headers, type, now);
  if (read.isErr()) return { refused: read.error };
  const payload = itemPayload(fields.payload, type, limits);
  return isReply(payload) ? { refused: payload } : { fields: read.value, payload };
}

/**
 * Reads the body of `POST /messageQueue/batch`: a JSON object `{"messages": [...]}` of 1 to a
 * list's limit of messages, each `{"destination", "payload"?, "contentType"?, "payloadType"?,
 * "status"?, "scheduledTime"?}` — the headers and the body (as a string) of a push of its own — or
 * the 400 answer to any other body. Each message is checked on its own, as its push would be: one bad message is
 * refused alone and never fails the others.
 */
export function readBatchPush(
  body: RequestBody,
  caller: string | undefined,
  limits: ServerLimits,
  now: number,
): readonly BatchPushItem[] | Reply {
  const read = readJsonObject(body, '{"messages": [...]}');
  if (read.isErr()) return read.error;
  const { messages } = read.value;
  const max = limits.maxListMessages;
  if (!Array.isArray(messages) || messages.length < 1 || messages.length > max) {
    return invalid(
      'messages',
      `messages must be an array of 1 to ${String(max)} messages.`,
      messages ?? null,
    );
  }
  return messages.map((item: unknown) => readItem(item, caller, limits, now));
}
