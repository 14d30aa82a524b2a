import type { Observable, OperatorFunction } from 'rxjs';
import type { Payload, PayloadOf } from '../client/payload.js';
import type { SciroccoMessage } from '../protocol/message-metadata.js';
import type { PushFromOptions } from './push-from.js';

/** Anything with a `pushFrom`: a client from `createClient` or from the memory queue. */
export interface PushSink {
  /** Pushes every item of `source` to `options.to`, emitting the pushed messages. */
  pushFrom<I extends Payload>(
    source: Observable<I>,
    options: PushFromOptions<I>,
  ): Observable<SciroccoMessage<PayloadOf<I>>>;
}

/**
 * The pipeable form of `pushFrom`: pushes every value of the source to `destination` and emits
 * the pushed messages.
 *
 * ```
 * source:            a--b--c--|
 * pushTo(client,to): -A--B--C-|
 * ```
 *
 * What breaks it: the same as `pushFrom`'s (a hot source faster than the server, a failure that
 * is not retryable ends the stream with the items not pushed in the error).
 *
 * @param client - the client to push with.
 * @param destination - the node to push to.
 * @param options - those of `pushFrom` but `to`.
 * @returns an operator from items to the messages pushed for them.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { createClient, pushTo } from 'scirocco-rx';
 *
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * of({ n: 1 }, { n: 2 })
 *   .pipe(pushTo(client, 'bc456', { concurrency: 2 }))
 *   .subscribe((message) => console.log(message.metadata.id));
 * ```
 */
export function pushTo<I extends Payload>(
  client: PushSink,
  destination: string,
  options: Omit<PushFromOptions<I>, 'to'> = {},
): OperatorFunction<I, SciroccoMessage<PayloadOf<I>>> {
  return (source) => client.pushFrom(source, { ...options, to: destination });
}
