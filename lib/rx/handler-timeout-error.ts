/**
 * A handler ran longer than its `timeout`: it was stopped, and the message handled by `onError`.
 *
 * @example
 * ```ts
 * import { HandlerTimeoutError, type AckOutcome } from 'scirocco-rx';
 *
 * const timedOut = (outcome: AckOutcome) => outcome.status === 'failed' && outcome.error instanceof HandlerTimeoutError;
 * ```
 */
export class HandlerTimeoutError extends Error {
  override readonly name = 'HandlerTimeoutError';
  constructor(
    readonly messageId: string,
    readonly timeoutMs: number,
  ) {
    super(
      `ackOnComplete: the handler of message ${messageId} ran longer than its timeout of ${timeoutMs} ms`,
    );
  }
}
