/** The server's size limits, as the original server's environment settings name them. */
export interface ServerLimits {
  /** Largest `application/json` body, in kB of 1024 bytes (`SCIROCCO_MAX_KB_SIZE_JSON`). @default 100 */
  readonly jsonKb: number;
  /** Largest `text/plain` body, in kB (`SCIROCCO_MAX_KB_SIZE_TEXT`). @default 100 */
  readonly textKb: number;
  /** Largest `application/octet-stream` body, in kB (`SCIROCCO_MAX_KB_SIZE_RAW`). @default 1000 */
  readonly rawKb: number;
  /** Default and maximum `limit` of a list (`SCIROCCO_MAX_GET_ALL_MESSAGES`). @default 100 */
  readonly maxListMessages: number;
}

/**
 * The original server's defaults: 100 kB JSON and text, 1000 kB bytes, lists of 100.
 *
 * @example
 * ```ts
 * import { DEFAULT_LIMITS, startServer } from 'scirocco-rx/server';
 *
 * const server = await startServer({ limits: { rawKb: DEFAULT_LIMITS.rawKb * 4 } });
 * await server.close();
 * ```
 */
export const DEFAULT_LIMITS: ServerLimits = Object.freeze({
  jsonKb: 100,
  textKb: 100,
  rawKb: 1000,
  maxListMessages: 100,
});

const LIMIT_ENV: Readonly<Record<keyof ServerLimits, string>> = {
  jsonKb: 'SCIROCCO_MAX_KB_SIZE_JSON',
  textKb: 'SCIROCCO_MAX_KB_SIZE_TEXT',
  rawKb: 'SCIROCCO_MAX_KB_SIZE_RAW',
  maxListMessages: 'SCIROCCO_MAX_GET_ALL_MESSAGES',
};

/**
 * Fills in the defaults and checks limits: each a positive whole number. Throws a `RangeError`
 * naming the first bad one.
 *
 * @example
 * ```ts
 * import { resolveLimits } from 'scirocco-rx/server';
 *
 * resolveLimits({ textKb: 10 }); // { jsonKb: 100, textKb: 10, rawKb: 1000, maxListMessages: 100 }
 * ```
 */
export function resolveLimits(limits: Partial<ServerLimits> = {}): ServerLimits {
  const resolved = { ...DEFAULT_LIMITS, ...limits };
  for (const key of Object.keys(LIMIT_ENV) as (keyof ServerLimits)[]) {
    const value = resolved[key];
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`limits.${key} must be a positive whole number, got ${String(value)}`);
    }
  }
  return Object.freeze(resolved);
}

/**
 * Reads the limits that the environment sets (`SCIROCCO_MAX_KB_SIZE_JSON`, `_TEXT`, `_RAW`,
 * `SCIROCCO_MAX_GET_ALL_MESSAGES`), leaving out the ones it does not. Throws a `RangeError` naming
 * the variable when a value is not a positive whole number.
 *
 * @example
 * ```ts
 * import { limitsFromEnv, startServer } from 'scirocco-rx/server';
 *
 * const server = await startServer({ limits: limitsFromEnv(process.env) });
 * await server.close();
 * ```
 */
export function limitsFromEnv(env: Readonly<Record<string, string | undefined>>): Partial<ServerLimits> {
  const limits: Partial<Record<keyof ServerLimits, number>> = {};
  for (const [key, name] of Object.entries(LIMIT_ENV) as [keyof ServerLimits, string][]) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    if (!/^\d+$/.test(text.trim()) || Number(text) <= 0) {
      throw new RangeError(`${name} must be a positive whole number, got ${JSON.stringify(text)}`);
    }
    limits[key] = Number(text);
  }
  return limits;
}
