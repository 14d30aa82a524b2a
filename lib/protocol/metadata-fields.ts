import { Err, Ok, type Result } from 'ts-results-es';
import { HEADERS } from './headers.js';
import type { MessageMetadata } from './message-metadata.js';
import { isMessageStatus } from './message-status.js';
import { parseDate } from './parse-date.js';
import { MESSAGE_ID_PATTERN, describeValue } from './validation.js';

type FieldType = 'id' | 'text' | 'status' | 'count' | 'date';

/** One metadata field: its camelCase key, its header, and its field name in list items. */
export interface MetadataField {
  readonly key: keyof MessageMetadata;
  readonly header: string;
  /** The header name in lowercase, as Node and undici key headers. */
  readonly headerKey: string;
  readonly field: string;
  readonly type: FieldType;
  readonly required: boolean;
}

function field(key: keyof MessageMetadata, header: string, name: string, type: FieldType, required = false) {
  return Object.freeze({ key, header, headerKey: header.toLowerCase(), field: name, type, required });
}

/** Every metadata field the protocol knows, with how it is written in headers and in list items. */
export const METADATA_FIELDS: readonly MetadataField[] = Object.freeze([
  field('id', HEADERS.id, '_id', 'id', true),
  field('nodeSource', HEADERS.nodeSource, 'node_source', 'text', true),
  field('nodeDestination', HEADERS.nodeDestination, 'node_destination', 'text', true),
  field('status', HEADERS.status, 'status', 'status', true),
  field('tries', HEADERS.tries, 'tries', 'count', true),
  field('payloadType', HEADERS.payloadType, 'payload_type', 'text', true),
  field('topic', HEADERS.topic, 'topic', 'text'),
  field('createdTime', HEADERS.createdTime, 'created_time', 'date', true),
  field('updateTime', HEADERS.updateTime, 'update_time', 'date'),
  field('scheduledTime', HEADERS.scheduledTime, 'scheduled_time', 'date'),
  field('processingTime', HEADERS.processingTime, 'processing_time', 'date'),
  field('processedTime', HEADERS.processedTime, 'processed_time', 'date'),
  field('errorTime', HEADERS.errorTime, 'error_time', 'date'),
  field('traceParent', HEADERS.traceParent, 'trace_parent', 'text'),
]);

const EXPECTED: Record<FieldType, string> = {
  id: '24 hexadecimal characters',
  text: 'a non-empty string',
  status: 'one of scheduled, pending, processing, processed',
  count: 'a non-negative integer',
  date: 'a date in ISO 8601 or Date.toString() form',
};

function parseValue(type: FieldType, raw: unknown): unknown {
  // The original server turns all-digit header values into numbers: read them back as text.
  const text = typeof raw === 'number' && type !== 'count' ? String(raw) : raw;
  switch (type) {
    case 'id':
      return typeof text === 'string' && MESSAGE_ID_PATTERN.test(text) ? text.toLowerCase() : undefined;
    case 'text':
      return typeof text === 'string' && text !== '' ? text : undefined;
    case 'status':
      return isMessageStatus(text) ? text : undefined;
    case 'count': {
      const count = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
      return typeof count === 'number' && Number.isSafeInteger(count) && count >= 0 ? count : undefined;
    }
    case 'date':
      return typeof text === 'string' ? parseDate(text) : undefined;
  }
}

/**
 * Builds metadata from a lookup of raw field values. A missing optional field is left out; a
 * missing required field, or any value of the wrong form, gives the exact reason.
 *
 * @param lookup - the raw value of a field (`undefined` or `null` when absent).
 * @param origin - how a message names the field, for example `header Scirocco-Tries`.
 */
export function readMetadata(
  lookup: (field: MetadataField) => unknown,
  origin: (field: MetadataField) => string,
): Result<MessageMetadata, string> {
  const metadata: Record<string, unknown> = {};
  for (const spec of METADATA_FIELDS) {
    const raw = lookup(spec);
    if (raw === undefined || raw === null) {
      if (spec.required) return Err(`${origin(spec)} is missing`);
      continue;
    }
    const value = parseValue(spec.type, raw);
    if (value === undefined) {
      return Err(`${origin(spec)} is not ${EXPECTED[spec.type]}: ${describeValue(raw)}`);
    }
    metadata[spec.key] = value;
  }
  return Ok(metadata as unknown as MessageMetadata);
}
