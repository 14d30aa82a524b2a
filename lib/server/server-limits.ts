import { DEFAULT_LIMITS, resolveLimits, type QueueLimits } from '../protocol/queue-limits.js';

/**
 * The server's size limits (`SCIROCCO_MAX_KB_SIZE_JSON`, `_TEXT`, `_RAW`, `_BATCH`,
 * `SCIROCCO_MAX_GET_ALL_MESSAGES`).
 */
export type ServerLimits = QueueLimits;

export { DEFAULT_LIMITS, resolveLimits };

const LIMIT_ENV: Readonly<Record<keyof ServerLimits, string>> = {
  jsonKb: 'SCIROCCO_MAX_KB_SIZE_JSON',
  textKb: 'SCIROCCO_MAX_KB_SIZE_TEXT',
  rawKb: 'SCIROCCO_MAX_KB_SIZE_RAW',
  maxListMessages: 'SCIROCCO_MAX_GET_ALL_MESSAGES',
  batchKb: 'SCIROCCO_MAX_KB_SIZE_BATCH',
};

/**
 * Reads the limits that the environment sets (`SCIROCCO_MAX_KB_SIZE_JSON`, `_TEXT`, `_RAW`,
 * `_BATCH`, `SCIROCCO_MAX_GET_ALL_MESSAGES`), leaving out the ones it does not. Throws a `RangeError` naming
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
