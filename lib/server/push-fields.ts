import type { IncomingHttpHeaders } from 'node:http';
import { Err, Ok, type Result } from 'ts-results-es';
import { HEADERS } from '../protocol/headers.js';
import { MAX_PAYLOAD_TYPE_LENGTH, NODE_ID_PATTERN, TRACE_PARENT_PATTERN } from '../protocol/validation.js';
import { errorReply, type Reply } from './reply.js';

/** What a push request's headers say about the message to store. */
export interface PushFields {
  readonly nodeSource: string;
  readonly nodeDestination: string;
  readonly status: 'pending' | 'scheduled';
  readonly scheduledTime?: Date;
  readonly payloadType: string;
  /** The push's trace context (the trace-context extension), when it sent a valid one. */
  readonly traceParent?: string;
}

interface FieldError {
  readonly message: string;
  readonly kind: string;
  readonly path: string;
  readonly value?: string;
}

const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/** Node's keys of the headers a push reads. */
const KEYS = {
  status: HEADERS.status.toLowerCase(),
  scheduledTime: HEADERS.scheduledTime.toLowerCase(),
  nodeDestination: HEADERS.nodeDestination.toLowerCase(),
  nodeSource: HEADERS.nodeSource.toLowerCase(),
  payloadType: HEADERS.payloadType.toLowerCase(),
  traceParent: HEADERS.traceParent.toLowerCase(),
};

/**
 * The trace context of a push, when it sent a valid one: an invalid one is dropped, as W3C trace
 * context says, and never refuses the push.
 */
export function readTraceParent(headers: IncomingHttpHeaders): string | undefined {
  const value = header(headers, KEYS.traceParent)?.trim().toLowerCase();
  return value !== undefined && TRACE_PARENT_PATTERN.test(value) ? value : undefined;
}

function header(headers: IncomingHttpHeaders, key: string): string | undefined {
  const value = headers[key];
  return Array.isArray(value) ? value[0] : value;
}

function nodeIdError(path: string, value: string | undefined): FieldError | undefined {
  if (value === undefined || value === '')
    return { message: `Path \`${path}\` is required.`, kind: 'required', path };
  if (!NODE_ID_PATTERN.test(value))
    return { message: 'Field must be in hexadecimal.', kind: 'user defined', path, value };
  return undefined;
}

/** Reads a scheduled time as the original does: a numeric string is milliseconds, anything else goes to `new Date()`. */
export function parseScheduledTime(text: string): Date {
  return new Date(NUMERIC.test(text.trim()) ? Number(text) : text);
}

function scheduledTimeError(text: string | undefined, now: number): FieldError | Date | undefined {
  if (text === undefined) return undefined;
  const time = parseScheduledTime(text);
  const path = 'scheduled_time';
  if (Number.isNaN(time.getTime())) {
    return { message: 'Scheduled time must be a valid date.', kind: 'Date', path, value: text };
  }
  if (time.getTime() < now) {
    return { message: 'Scheduled time must be in the future.', kind: 'user defined', path, value: text };
  }
  return time;
}

/**
 * Validates the headers of a push the way the original's model does, answering 400 with
 * `errors` keyed by field name when anything is wrong.
 *
 * @param contentType - the request's (already checked) Content-Type, stored as the payload type
 *   when the request sends none.
 * @param now - the current time in milliseconds.
 */
export function readPushFields(
  headers: IncomingHttpHeaders,
  contentType: string,
  now: number,
): Result<PushFields, Reply> {
  const rawStatus = header(headers, KEYS.status) ?? 'pending';
  const scheduledText = header(headers, KEYS.scheduledTime);
  if (rawStatus === 'scheduled' && scheduledText === undefined) {
    return Err(errorReply(400, 'An scheduled message requires the scheduled time header to be set.'));
  }
  const nodeDestination = header(headers, KEYS.nodeDestination);
  const nodeSource = header(headers, KEYS.nodeSource);
  const payloadType = header(headers, KEYS.payloadType) ?? contentType;
  const scheduled = scheduledTimeError(scheduledText, now);
  const errors: FieldError[] = [];
  const add = (error: FieldError | undefined): void => {
    if (error) errors.push(error);
  };
  add(nodeIdError('node_destination', nodeDestination));
  add(nodeIdError('node_source', nodeSource));
  if (!['pending', 'scheduled', 'processing', 'processed'].includes(rawStatus)) {
    add({ message: 'Incorrect message status.', kind: 'user defined', path: 'status', value: rawStatus });
  }
  if (scheduled !== undefined && !(scheduled instanceof Date)) add(scheduled);
  if (payloadType.length < 1 || payloadType.length > MAX_PAYLOAD_TYPE_LENGTH) {
    add({
      message: `Payload type should be between 1 and ${MAX_PAYLOAD_TYPE_LENGTH} characters.`,
      kind: 'user defined',
      path: 'payload_type',
      value: payloadType,
    });
  }
  if (errors.length > 0) {
    const summary = errors.map((error) => `${error.path}: ${error.message}`).join(', ');
    return Err(
      errorReply(
        400,
        `Message validation failed: ${summary}`,
        Object.fromEntries(errors.map((e) => [e.path, e])),
      ),
    );
  }
  return Ok({
    nodeSource: nodeSource ?? '',
    nodeDestination: nodeDestination ?? '',
    status: rawStatus === 'scheduled' ? 'scheduled' : 'pending',
    ...(scheduled instanceof Date ? { scheduledTime: scheduled } : {}),
    payloadType,
  });
}
