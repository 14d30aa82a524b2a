import { Err, Ok, type Result } from 'ts-results-es';
import type { MessageMetadata } from '../protocol/message-metadata.js';
import { describeValue, validateMessageId } from '../protocol/validation.js';
import type { NackOptions } from './client-core.js';
import type { SciroccoError } from './scirocco-error.js';
import { invalidArgument, statusError } from './status-error.js';

/** The outcome of one id of an `ackMany` or `nackMany`. */
export type Settled = Result<MessageMetadata, SciroccoError>;

/** The delay of a nack, checked: the reason it is not one. */
export function nackDelayOf(options: NackOptions): Result<number, string> {
  const { delayMs = 0 } = options;
  return Number.isSafeInteger(delayMs) && delayMs >= 0
    ? Ok(delayMs)
    : Err(`delayMs must be a whole number of milliseconds >= 0, got ${String(delayMs)}`);
}

/** The error of an id a batch could not settle, as the server answers it (404). */
export function batchItemNotFound(operation: 'ackMany' | 'nackMany', id: string): SciroccoError {
  const path = `/messageQueue/batch/${operation === 'ackMany' ? 'ack' : 'nack'}`;
  return statusError({ operation, method: 'PATCH', path, messageId: id }, 404, {
    message: 'Resource not found.',
  });
}

/**
 * The rules of `ackMany` and `nackMany`, for every client: the ids (and a nack's delay) are
 * checked before anything is sent, an id given twice is settled once — at its first place, the
 * later ones answered as an id already settled — and the outcomes come back in the
 * order of `ids`. `settle` settles the distinct ids, one outcome each, in their order; it may
 * answer at once (the memory queue, whose Observables never go through a Promise) or later.
 */
export function settleMany<R extends readonly Settled[] | Promise<readonly Settled[]>>(
  operation: 'ackMany' | 'nackMany',
  ids: unknown,
  options: NackOptions,
  settle: (unique: readonly string[], delayMs: number) => R,
): R extends Promise<readonly Settled[]>
  ? Promise<Result<Settled[], SciroccoError>>
  : Result<Settled[], SciroccoError>;
export function settleMany(
  operation: 'ackMany' | 'nackMany',
  ids: unknown,
  options: NackOptions,
  settle: (unique: readonly string[], delayMs: number) => readonly Settled[] | Promise<readonly Settled[]>,
): Result<Settled[], SciroccoError> | Promise<Result<Settled[], SciroccoError>> {
  const rejected = (reason: string) => Err(invalidArgument(operation, reason));
  if (!Array.isArray(ids)) return rejected(`ids must be an array of message ids, got ${describeValue(ids)}`);
  if (ids.length === 0) return rejected('ids must hold 1 or more message ids, got none');
  const valid: string[] = [];
  for (const [n, id] of (ids as unknown[]).entries()) {
    const checked = validateMessageId(id);
    if (checked.isErr()) return rejected(`ids[${String(n)}]: ${checked.error}`);
    valid.push(checked.value);
  }
  const delay = operation === 'nackMany' ? nackDelayOf(options) : Ok(0);
  if (delay.isErr()) return rejected(delay.error);
  const unique = [...new Set(valid)];
  const inOrder = (outcomes: readonly Settled[]): Result<Settled[], SciroccoError> => {
    const byId = new Map(unique.map((id, n) => [id, outcomes[n]] as const));
    const seen = new Set<string>();
    return Ok(
      valid.map((id): Settled => {
        if (seen.has(id)) return Err(batchItemNotFound(operation, id));
        seen.add(id);
        return byId.get(id) ?? Err(batchItemNotFound(operation, id));
      }),
    );
  };
  const outcomes = settle(unique, delay.value);
  return outcomes instanceof Promise ? outcomes.then(inOrder) : inOrder(outcomes);
}
