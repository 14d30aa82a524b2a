import { Err, Ok, type Result } from 'ts-results-es';
import type { RequestBody } from './read-body.js';
import { errorReply, type Reply } from './reply.js';

/** The 400 answer `Validation failed` that names one field of a request: why, and what was sent. */
export function invalidField(field: string, message: string, value: unknown): Reply {
  return errorReply(400, 'Validation failed', { [field]: { message, path: field, value } });
}

/**
 * The body of a batch request as a JSON object, or the 400 answer to any other body (not JSON, an
 * array, a scalar), which names `shape`, the object expected (`{"ids": [...]}`).
 */
export function readJsonObject(body: RequestBody, shape: string): Result<Record<string, unknown>, Reply> {
  let value: unknown;
  if (body.kind === 'json') {
    try {
      value = JSON.parse(body.value);
    } catch {
      value = undefined;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return Err(invalidField('body', `The body must be a JSON object: ${shape}.`, body.kind));
  }
  // A Result, not a union: a client's object must never pass for an answer.
  return Ok(value as Record<string, unknown>);
}
