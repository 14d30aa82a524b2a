import { Err, Ok, type Result } from 'ts-results-es';
import { decodeBase64 } from './base64.js';
import { payloadFromJson } from './decode-payload.js';
import type { MessageMetadata, SciroccoMessage } from './message-metadata.js';
import { readMetadata } from './metadata-fields.js';
import { PAYLOAD_CONTENT_TYPES, payloadKindOfContentType } from './payload-kind.js';
import { describeValue } from './validation.js';

/**
 * The field in which this project's server names how a listed payload was pushed
 * (`application/json`, `text/plain` or `application/octet-stream`), so that a client can tell
 * a text payload from bytes in base64. An extension: the original server does not send it.
 *
 * @example
 * ```ts
 * import { LIST_CONTENT_TYPE_FIELD } from 'scirocco-rx';
 *
 * const item = { [LIST_CONTENT_TYPE_FIELD]: 'application/octet-stream', payload: 'AAEC' };
 * ```
 */
export const LIST_CONTENT_TYPE_FIELD = 'content_type';

function listPayload(item: Record<string, unknown>, metadata: MessageMetadata): Result<unknown, string> {
  if (!('payload' in item) || item.payload === undefined) return Ok({}); // the original drops `{}`
  const payload = item.payload;
  const declared = item[LIST_CONTENT_TYPE_FIELD];
  const kind =
    typeof declared === 'string'
      ? payloadKindOfContentType(declared)
      : metadata.payloadType === PAYLOAD_CONTENT_TYPES.bytes && typeof payload === 'string'
        ? 'bytes'
        : undefined;
  if (typeof declared === 'string' && kind === undefined) {
    return Err(
      `list item field "${LIST_CONTENT_TYPE_FIELD}" is not a payload content type: ${describeValue(declared)}`,
    );
  }
  if (kind === 'bytes') {
    const bytes = typeof payload === 'string' ? decodeBase64(payload) : undefined;
    return bytes ? Ok(bytes) : Err('list item field "payload" is not valid base64');
  }
  if (kind === 'text' || (kind === undefined && typeof payload === 'string')) {
    return typeof payload === 'string'
      ? Ok(payload)
      : Err(`list item field "payload" is not a string: ${describeValue(payload)}`);
  }
  return typeof payload === 'object' && payload !== null
    ? payloadFromJson(payload)
    : Err(`list item field "payload" is not an object or an array: ${describeValue(payload)}`);
}

/**
 * Reads one item of the list answer (`GET /messages`): snake_case field names, ISO 8601 dates,
 * binary payloads as base64 strings.
 *
 * A string payload is bytes when the item says so in {@link LIST_CONTENT_TYPE_FIELD} (this
 * project's server) or, from a server that does not send that field, when its payload type is
 * `application/octet-stream` (what the server stores when the sender gave no type). Otherwise it
 * stays a string: the original server's list cannot tell text from base64 bytes that carry a
 * custom payload type.
 *
 * @example
 * ```ts
 * import { messageFromListItem } from 'scirocco-rx';
 *
 * const message = messageFromListItem({
 *   _id: '5823a70203c123003de4229b', node_source: 'af123', node_destination: 'af123',
 *   status: 'pending', tries: 0, payload_type: 'application/json',
 *   created_time: '2026-11-25T11:06:27.000Z', payload: { type: 'message' },
 * }).unwrap();
 * message.metadata.createdTime.getTime(); // 1795604787000
 * ```
 */
export function messageFromListItem(item: unknown): Result<SciroccoMessage, string> {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return Err(`list item is not an object: ${describeValue(item)}`);
  }
  const record = item as Record<string, unknown>;
  return readMetadata(
    (spec) => record[spec.field],
    (spec) => `list item field "${spec.field}"`,
  ).andThen((metadata) => listPayload(record, metadata).map((payload) => ({ metadata, payload })));
}
