import type { ObservableInput } from 'rxjs';

/**
 * A handler's answer: an Observable (its last value counts; one of another library too), a
 * Promise, an AsyncIterable (an `async function*`: run to its end, its last value counts), a
 * ReadableStream, or a plain value — arrays and strings included, which are values, not streams.
 */
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
