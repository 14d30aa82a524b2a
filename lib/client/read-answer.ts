import { Err, None, Ok, Some, type Option, type Result } from 'ts-results-es';
import { decodePayload } from '../protocol/decode-payload.js';
import type { MessageMetadata, SciroccoMessage } from '../protocol/message-metadata.js';
import { readMetadata } from '../protocol/metadata-fields.js';
import { messageFromListItem } from '../protocol/message-from-list-item.js';
import { metadataFromHeaders } from '../protocol/metadata-from-headers.js';
import { describeValue } from '../protocol/validation.js';
import type { TransportResponse } from './transport.js';

const UTF8 = new TextDecoder();

/** Parses a JSON body, or gives the reason it is not JSON. */
export function readJson(response: TransportResponse): Result<unknown, string> {
  try {
    return Ok(JSON.parse(UTF8.decode(response.body)));
  } catch (error) {
    return Err(`the answer is not JSON: ${(error as Error).message}`);
  }
}

/** A single-message answer: metadata from the headers, payload by the Content-Type. */
export function readMessage<T>(response: TransportResponse): Result<SciroccoMessage<T>, string> {
  return metadataFromHeaders((name) => response.header(name)).andThen((metadata) =>
    decodePayload(response.header('content-type'), response.body).map((payload) => ({
      metadata,
      payload: payload as T,
    })),
  );
}

/** A pull answer: 204 is nothing due. */
export function readOptionalMessage<T>(
  response: TransportResponse,
): Result<Option<SciroccoMessage<T>>, string> {
  return response.status === 204 ? Ok(None) : readMessage<T>(response).map((message) => Some(message));
}

/** A list answer: 204 is none; otherwise an array of list items. */
export function readList<T>(response: TransportResponse): Result<SciroccoMessage<T>[], string> {
  if (response.status === 204) return Ok([]);
  return readJson(response).andThen((items) => {
    if (!Array.isArray(items)) return Err(`the list answer is ${describeValue(items)}, not an array`);
    const messages: SciroccoMessage<T>[] = [];
    for (const item of items) {
      const message = messageFromListItem(item);
      if (message.isErr()) return message;
      messages.push(message.value as SciroccoMessage<T>);
    }
    return Ok(messages);
  });
}

/** A delete answer, `{"ok":1,"n":N}` (`ok` may be `true`), as the count. */
export function readCount(response: TransportResponse): Result<number, string> {
  return readJson(response).andThen((value) => {
    const { ok, n } = (typeof value === 'object' && value !== null ? value : {}) as {
      ok?: unknown;
      n?: unknown;
    };
    return (ok === 1 || ok === true) && typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
      ? Ok(n)
      : Err(`the answer is not {"ok":1,"n":<count>}: ${UTF8.decode(response.body).slice(0, 100)}`);
  });
}

/** An info answer: a JSON object. */
export function readInfo(response: TransportResponse): Result<Readonly<Record<string, unknown>>, string> {
  return readJson(response).andThen((value) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Ok(value as Record<string, unknown>)
      : Err(`the info answer is ${describeValue(value)}, not an object`),
  );
}

/** The `message` and `errors` of an error answer, whatever it holds. */
export function readErrorBody(response: TransportResponse): {
  message?: string;
  errors?: Record<string, unknown>;
} {
  const parsed = readJson(response);
  if (parsed.isErr() || typeof parsed.value !== 'object' || parsed.value === null) {
    const text = UTF8.decode(response.body).trim().slice(0, 200);
    return text === '' ? {} : { message: text };
  }
  const { message, errors } = parsed.value as { message?: unknown; errors?: unknown };
  return {
    ...(typeof message === 'string' ? { message } : {}),
    ...(typeof errors === 'object' && errors !== null ? { errors: errors as Record<string, unknown> } : {}),
  };
}

/**
 * One item of a batch answer: the message's metadata (an ack or nack answers 200, a push 201), or
 * the status it got and why.
 */
export type BatchItem =
  | { readonly status: 200 | 201; readonly metadata: MessageMetadata }
  | {
      readonly status: number;
      readonly message?: string;
      readonly errors?: Readonly<Record<string, unknown>>;
    };

/**
 * A batch answer: one item per message sent, in order — for an ack or nack, `{id, status: 200,
 * metadata}` or `{id, status, message}` (`ids`: the ids sent); for a push (`ids` of `undefined`,
 * one per message), `{status: 201, metadata}` or `{status, message, errors}`. Any other shape is a
 * protocol failure.
 */
export function readBatchItems(ids: readonly (string | undefined)[], ok: 200 | 201 = 200) {
  return (response: TransportResponse): Result<BatchItem[], string> =>
    readJson(response).andThen((items) => {
      if (!Array.isArray(items) || items.length !== ids.length) {
        return Err(
          `the batch answer is ${describeValue(items)}, not an array of ${String(ids.length)} items`,
        );
      }
      const read: BatchItem[] = [];
      for (const [n, item] of (items as unknown[]).entries()) {
        const { id, status, metadata, message, errors } = (item ?? {}) as Record<string, unknown>;
        const expected = ids[n];
        if (
          (expected !== undefined && (typeof id !== 'string' || id.toLowerCase() !== expected)) ||
          typeof status !== 'number'
        ) {
          const of = expected === undefined ? `message ${String(n)}` : expected;
          return Err(`batch answer item ${String(n)} is ${describeValue(item)}, not the outcome of ${of}`);
        }
        if (status !== ok) {
          read.push({
            status,
            ...(typeof message === 'string' ? { message } : {}),
            ...(typeof errors === 'object' && errors !== null
              ? { errors: errors as Record<string, unknown> }
              : {}),
          });
          continue;
        }
        const fields = (metadata ?? {}) as Record<string, unknown>;
        const parsed = readMetadata(
          (spec) => fields[spec.field],
          (spec) => `batch answer item ${String(n)} field "${spec.field}"`,
        );
        if (parsed.isErr()) return parsed;
        read.push({ status: ok, metadata: parsed.value });
      }
      return Ok(read);
    });
}
