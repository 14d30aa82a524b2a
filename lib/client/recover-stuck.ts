import { Err, Ok, type Result } from 'ts-results-es';
import type { SciroccoMessage } from '../protocol/message-metadata.js';
import type { CallOptions, ClientCore } from './client-core.js';
import type { SciroccoError } from './scirocco-error.js';
import { invalidArgument } from './status-error.js';

/**
 * Options of {@link ClientCore.recoverStuck}.
 *
 * @example
 * ```ts
 * import type { RecoverStuckOptions } from 'scirocco-rx';
 *
 * const options: RecoverStuckOptions = { olderThan: 10 * 60_000, dryRun: true };
 * ```
 */
export interface RecoverStuckOptions extends CallOptions {
  /**
   * A message of this node `processing` for at least this many milliseconds is taken for the
   * claim of a consumer that is gone. Its `processingTime` is the server's clock, compared with
   * this client's: they must agree to well within this.
   */
  readonly olderThan: number;
  /** Only find the stuck messages (`stuck`), change nothing. @default false */
  readonly dryRun?: boolean;
  /**
   * How many of this node's messages to look at, oldest first (the list the protocol offers; the
   * server caps it, 100 by default). @default 100
   */
  readonly limit?: number;
}

/** A stuck message given back: nacked (the same message, `back.metadata.id` its id) or copied. */
export interface RecoveredStuck {
  /** The stuck message as it was found. */
  readonly message: SciroccoMessage;
  /** The message as it went back: itself, nacked, or its copy. */
  readonly back: SciroccoMessage;
  readonly via: 'nack' | 'copy';
}

/** A stuck message that could not be given back: it is still `processing`. */
export interface StuckFailure {
  readonly message: SciroccoMessage;
  readonly error: SciroccoError;
  /** A copy pushed before the failure (the ack of the original failed): it will run too. */
  readonly copy?: SciroccoMessage;
}

/**
 * What {@link ClientCore.recoverStuck} found and did. Every stuck message is in exactly one of
 * `recovered`, `settled`, `duplicated` and `failed` (none of them with `dryRun`).
 *
 * @example
 * ```ts
 * import { createClient, type StuckRecovery } from 'scirocco-rx';
 *
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * const recovery: StuckRecovery = (await client.recoverStuck({ olderThan: 600_000 })).unwrap();
 * console.log(`${recovery.recovered.length} of ${recovery.stuck.length} back in the queue`);
 * ```
 */
export interface StuckRecovery {
  /** The messages found stuck: this node's, `processing` for at least `olderThan`. */
  readonly stuck: readonly SciroccoMessage[];
  /** Given back to the queue. */
  readonly recovered: readonly RecoveredStuck[];
  /**
   * Settled by someone else while this ran (their consumer acked them late, or another reaper
   * got there first): nothing to do, and a copy pushed for one was withdrawn.
   */
  readonly settled: readonly SciroccoMessage[];
  /**
   * Copied, but their consumer acked the original meanwhile, and the copy could not be
   * withdrawn (it was claimed already): the message runs twice.
   */
  readonly duplicated: readonly RecoveredStuck[];
  /** Could not be given back: still `processing`. */
  readonly failed: readonly StuckFailure[];
  /**
   * The list was full: older messages of this node may hide more stuck ones that the protocol's
   * list does not reach. Raise `limit` (and the server's `SCIROCCO_MAX_GET_ALL_MESSAGES`).
   */
  readonly listFull: boolean;
}

/** The operations a recovery runs on. */
type RecoveryCore = Pick<ClientCore, 'node' | 'list' | 'nack' | 'extensions' | 'push' | 'ack' | 'delete'>;

const DEFAULT_LIMIT = 100;

function checkOptions(options: RecoverStuckOptions): string | undefined {
  const { olderThan, limit } = options;
  if (!Number.isSafeInteger(olderThan) || olderThan <= 0) {
    return `olderThan must be a positive whole number of milliseconds, got ${String(olderThan)}`;
  }
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit <= 0)) {
    return `limit must be a positive whole number, got ${String(limit)}`;
  }
  return undefined;
}

/**
 * Gives stuck messages of `core`'s node back to its queue: with a nack where the server offers
 * one, else as a copy pushed to this node and the original acked (at least once: a consumer that
 * was only slow runs its message again, and its late ack finds it processed).
 */
export async function recoverStuck(
  core: RecoveryCore,
  now: () => number,
  options: RecoverStuckOptions,
): Promise<Result<StuckRecovery, SciroccoError>> {
  const invalid = checkOptions(options);
  if (invalid !== undefined) return Err(invalidArgument('recoverStuck', invalid));
  const { signal } = options;
  const call = signal ? { signal } : {};
  const limit = options.limit ?? DEFAULT_LIMIT;
  const listed = await core.list({ ...call, limit });
  if (listed.isErr()) return listed;
  const before = now() - options.olderThan;
  const stuck = listed.value.filter(
    ({ metadata }) =>
      metadata.status === 'processing' &&
      metadata.nodeDestination === core.node &&
      metadata.processingTime !== undefined &&
      metadata.processingTime.getTime() <= before,
  );
  const fates: Recovery = { recovered: [], settled: [], duplicated: [], failed: [] };
  const recovery = { stuck, ...fates, listFull: listed.value.length >= limit };
  if (options.dryRun === true || stuck.length === 0) return Ok(recovery);
  const extensions = await core.extensions(call);
  if (extensions.isErr()) return extensions;
  const settle = extensions.value.nack ? viaNack : viaCopy;
  for (const message of stuck) await settle(core, message, call, recovery);
  return Ok(recovery);
}

/** The fates a recovery fills in, one list each. */
type Recovery = {
  -readonly [K in 'recovered' | 'settled' | 'duplicated' | 'failed']: StuckRecovery[K][number][];
};

async function viaNack(core: RecoveryCore, message: SciroccoMessage, call: CallOptions, into: Recovery) {
  const nacked = await core.nack(message.metadata.id, call);
  if (nacked.isOk()) into.recovered.push({ message, back: nacked.value, via: 'nack' });
  else if (nacked.error.kind === 'not-found') into.settled.push(message);
  else into.failed.push({ message, error: nacked.error });
}

/** Push a copy first, so that nothing is lost; ack the original; withdraw the copy if it was late. */
async function viaCopy(core: RecoveryCore, message: SciroccoMessage, call: CallOptions, into: Recovery) {
  const { metadata, payload } = message;
  const copied = await core.push(core.node, payload as object, {
    ...call,
    payloadType: metadata.payloadType,
  });
  if (copied.isErr()) {
    into.failed.push({ message, error: copied.error });
    return;
  }
  const copy = copied.value as SciroccoMessage;
  const acked = await core.ack(metadata.id, call);
  if (acked.isOk()) {
    into.recovered.push({ message, back: copy, via: 'copy' });
    return;
  }
  if (acked.error.kind !== 'not-found') {
    into.failed.push({ message, error: acked.error, copy });
    return;
  }
  // Settled meanwhile: the copy is one too many. Withdrawn if nobody claimed it yet.
  const withdrawn = await core.delete(copy.metadata.id, call);
  if (withdrawn.isOk() && withdrawn.value === 1) into.settled.push(message);
  else into.duplicated.push({ message, back: copy, via: 'copy' });
}
