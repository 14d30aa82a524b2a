import type { ObservableInput } from 'rxjs';

/** A handler's answer: an Observable (its last value counts), a Promise, or a plain value. */
export type HandlerResult<R> = ObservableInput<R> | R;

/**
 * What a handler gets beside its message: `signal` aborts when the handler is stopped (its
 * `timeout`, an unsubscribe, the end of a drain). Pass it to `fetch` and the like.
 *
 * @example
 * ```ts
 * import { ackOnComplete, type HandlerContext, type ReceivedMessage } from 'scirocco-rx';
 *
 * const handler = (message: ReceivedMessage<{ url: string }>, { signal }: HandlerContext) =>
 *   fetch(message.payload.url, { signal });
 * export const operator = ackOnComplete(handler, { timeout: 5_000 });
 * ```
 */
export interface HandlerContext {
  readonly signal: AbortSignal;
}
