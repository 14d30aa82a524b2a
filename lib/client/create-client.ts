import type { ClientCore } from './client-core.js';
import type { ClientOptions } from './client-options.js';
import { createClientCore } from './create-client-core.js';
import { gotTransport } from './got-transport.js';

/** A scirocco client: the promise API of every protocol operation. */
export type SciroccoClient = ClientCore;

/**
 * Creates a client for one node of a scirocco server. On Node it sends requests with got
 * ({@link gotTransport}); pass `transport` to choose another.
 *
 * Every method resolves to a `Result` and never rejects. Invalid options are a programming
 * error: `createClient` throws a `SciroccoError` of kind `invalid-argument` at once.
 *
 * @example
 * ```ts
 * import { createClient } from 'scirocco-rx';
 *
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * const pushed = await client.push('af123', { type: 'message' });
 * const pulled = await client.pull<{ type: string }>();
 * if (pulled.isOk() && pulled.value.isSome()) {
 *   await client.ack(pulled.value.value.metadata.id);
 * }
 * client.close();
 * ```
 */
export function createClient(options: ClientOptions): SciroccoClient {
  return createClientCore(options, gotTransport);
}
