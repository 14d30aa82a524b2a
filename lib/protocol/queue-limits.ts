import type { PayloadKind } from './payload-kind.js';

/**
 * The queue's size limits, as the original server's environment settings name them: the server's
 * (`ServerLimits`) and the memory queue's of `scirocco-rx/testing` (`MemoryLimits`) are these.
 */
export interface QueueLimits {
  /** Largest `application/json` body, in kB of 1024 bytes (`SCIROCCO_MAX_KB_SIZE_JSON`). @default 100 */
  readonly jsonKb: number;
  /** Largest `text/plain` body, in kB (`SCIROCCO_MAX_KB_SIZE_TEXT`). @default 100 */
  readonly textKb: number;
  /** Largest `application/octet-stream` body, in kB (`SCIROCCO_MAX_KB_SIZE_RAW`). @default 1000 */
  readonly rawKb: number;
  /** Default and maximum `limit` of a list (`SCIROCCO_MAX_GET_ALL_MESSAGES`). @default 100 */
  readonly maxListMessages: number;
  /**
   * Largest body of a batch push (`POST /messageQueue/batch`, an extension), in kB
   * (`SCIROCCO_MAX_KB_SIZE_BATCH`); each of its messages is held to its own kind's limit too.
   * @default 1024
   */
  readonly batchKb: number;
}

/**
 * The original server's defaults: 100 kB JSON and text, 1000 kB bytes, lists of 100; and batch
 * pushes of 1024 kB.
 *
 * @example
 * ```ts
 * import { DEFAULT_LIMITS, startServer } from 'scirocco-rx/server';
 *
 * const server = await startServer({ limits: { rawKb: DEFAULT_LIMITS.rawKb * 4 } });
 * await server.close();
 * ```
 */
export const DEFAULT_LIMITS: QueueLimits = Object.freeze({
  jsonKb: 100,
  textKb: 100,
  rawKb: 1000,
  maxListMessages: 100,
  batchKb: 1024,
});

/**
 * Fills in the defaults and checks limits: each a positive whole number. Throws a `RangeError`
 * naming the first bad one.
 *
 * @example
 * ```ts
 * import { resolveLimits } from 'scirocco-rx/server';
 *
 * resolveLimits({ textKb: 10 }); // { jsonKb: 100, textKb: 10, rawKb: 1000, maxListMessages: 100, batchKb: 1024 }
 * ```
 */
export function resolveLimits(limits: Partial<QueueLimits> = {}): QueueLimits {
  const resolved = { ...DEFAULT_LIMITS, ...limits };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof QueueLimits)[]) {
    const value = resolved[key];
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`limits.${key} must be a positive whole number, got ${String(value)}`);
    }
  }
  return Object.freeze(resolved);
}

/** The largest payload of `kind`, in bytes. */
export function payloadLimitBytes(limits: QueueLimits, kind: PayloadKind): number {
  const kb = kind === 'json' ? limits.jsonKb : kind === 'text' ? limits.textKb : limits.rawKb;
  return kb * 1024;
}
