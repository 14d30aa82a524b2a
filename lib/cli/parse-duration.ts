const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Reads a duration as a person writes it on a command line: `500ms`, `10s`, `1.5s`, `2m`, `1h`,
 * `7d`, or a plain whole number of milliseconds. Returns whole milliseconds, or `undefined` when the text is
 * not such a duration or is not above zero.
 *
 * @example
 * ```ts
 * import { parseDuration } from './parse-duration.js';
 *
 * parseDuration('10s'); // 10000
 * parseDuration('250'); // 250
 * parseDuration('soon'); // undefined
 * ```
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return undefined;
  const ms = Math.round(Number(match[1]) * (UNIT_MS[match[2] ?? 'ms'] ?? 1));
  return ms > 0 && Number.isSafeInteger(ms) ? ms : undefined;
}
