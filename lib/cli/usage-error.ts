/** A mistake in how a command was called: reported with a hint, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit codes of the `scirocco` command. */
export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2 });
