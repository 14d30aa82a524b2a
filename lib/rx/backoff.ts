/** How retries of retryable failures are spaced: exponential, capped, with jitter. */
export interface BackoffOptions {
  /** The first delay, in milliseconds. @default 500 */
  readonly initial?: number;
  /** The longest delay, in milliseconds. @default 30000 */
  readonly max?: number;
  /** Each delay is the previous one times this. @default 2 */
  readonly factor?: number;
  /** The share of each delay that is random (0: none, 1: anywhere from 0 to the full delay). @default 0.5 */
  readonly jitter?: number;
  /** Random numbers in [0, 1), for the jitter. @default Math.random */
  readonly random?: () => number;
  /** Attempts after the first before giving up; `Infinity` never gives up. @default Infinity for polling, 5 for acks and pushes */
  readonly retries?: number;
}

/** Backoff options with every default applied. */
export type ResolvedBackoff = Required<BackoffOptions>;

/** Applies defaults and checks the numbers; throws a RangeError naming the bad option. */
export function resolveBackoff(options: BackoffOptions = {}, retries = Infinity): ResolvedBackoff {
  const resolved: ResolvedBackoff = {
    initial: 500,
    max: 30_000,
    factor: 2,
    jitter: 0.5,
    random: Math.random,
    retries,
    ...options,
  };
  const positive = (name: keyof ResolvedBackoff, value: number, min: number) => {
    if (!(value >= min))
      throw new RangeError(`backoff.${name} must be a number >= ${min}, got ${String(value)}`);
  };
  positive('initial', resolved.initial, 0);
  positive('max', resolved.max, resolved.initial);
  positive('factor', resolved.factor, 1);
  positive('retries', resolved.retries, 0);
  if (!(resolved.jitter >= 0 && resolved.jitter <= 1)) {
    throw new RangeError(`backoff.jitter must be a number from 0 to 1, got ${String(resolved.jitter)}`);
  }
  return Object.freeze(resolved);
}

/**
 * The delay before retry number `attempt` (1 for the first retry): `initial × factor^(attempt-1)`,
 * capped at `max`, less a random share of up to `jitter` of it.
 */
export function backoffDelay(attempt: number, backoff: ResolvedBackoff): number {
  const base = Math.min(backoff.max, backoff.initial * backoff.factor ** (attempt - 1));
  return Math.round(base * (1 - backoff.jitter * backoff.random()));
}
