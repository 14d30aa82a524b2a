import { Err, Ok, type Result } from 'ts-results-es';
import { encodePayload, type EncodedPayload } from '../protocol/encode-payload.js';
import { isMessageStatus, MESSAGE_STATUSES, type MessageStatus } from '../protocol/message-status.js';
import {
  describeValue,
  validateNodeId,
  validatePayloadType,
  validateScheduledAt,
} from '../protocol/validation.js';
import type { PushOptions } from './client-core.js';

/** A push whose every input was checked. */
export interface ValidPush {
  readonly destination: string;
  readonly encoded: EncodedPayload;
  readonly payloadType?: string;
  readonly scheduledAt?: Date;
}

/**
 * Checks the input of a push, in the order the messages report it: destination, payload type,
 * scheduled time, payload. Shared by every client, so each refuses the same input the same way.
 */
export function validatePush(
  destination: unknown,
  payload: unknown,
  options: PushOptions,
  now: number,
): Result<ValidPush, string> {
  const to = validateNodeId(destination, 'destination node id');
  if (to.isErr()) return to;
  let payloadType: string | undefined;
  if (options.payloadType !== undefined) {
    const type = validatePayloadType(options.payloadType);
    if (type.isErr()) return type;
    payloadType = type.value;
  }
  let scheduledAt: Date | undefined;
  if (options.scheduledAt !== undefined) {
    const at = validateScheduledAt(options.scheduledAt, now);
    if (at.isErr()) return at;
    scheduledAt = at.value;
  }
  return encodePayload(payload).map((encoded) => ({
    destination: to.value,
    encoded,
    ...(payloadType === undefined ? {} : { payloadType }),
    ...(scheduledAt === undefined ? {} : { scheduledAt }),
  }));
}

/** Checks a list limit: absent, or a positive whole number. */
export function validateListLimit(limit: unknown): Result<number | undefined, string> {
  if (limit === undefined) return Ok(undefined);
  return typeof limit === 'number' && Number.isSafeInteger(limit) && limit > 0
    ? Ok(limit)
    : Err(`limit must be a positive whole number, got ${describeValue(limit)}`);
}

/** Checks the status of a list: absent, or one of the four. */
export function validateListStatus(status: unknown): Result<MessageStatus | undefined, string> {
  if (status === undefined || isMessageStatus(status)) return Ok(status);
  return Err(`status must be one of ${MESSAGE_STATUSES.join(', ')}, got ${describeValue(status)}`);
}

/** Checks the wait of a pull (long polling): absent (0), or a whole number of milliseconds. */
export function validateWaitMs(waitMs: unknown): Result<number, string> {
  if (waitMs === undefined) return Ok(0);
  return typeof waitMs === 'number' && Number.isSafeInteger(waitMs) && waitMs >= 0
    ? Ok(waitMs)
    : Err(`waitMs must be a whole number of milliseconds >= 0, got ${describeValue(waitMs)}`);
}

/** Checks the most messages of a batch pull: a whole number, 1 or more. */
export function validateBatchMax(max: unknown): Result<number, string> {
  return typeof max === 'number' && Number.isSafeInteger(max) && max >= 1
    ? Ok(max)
    : Err(`max must be a whole number >= 1, got ${describeValue(max)}`);
}
