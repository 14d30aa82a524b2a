import type { ClientOptions } from './client-options.js';
import { createClientCore } from './create-client-core.js';
import type { SciroccoClient } from './create-client.js';
import { fetchTransport } from './fetch-transport.js';

/**
 * Creates a client for one node of a scirocco server, sending requests with `fetch`
 * ({@link fetchTransport}): the browser and Angular build of `createClient`, with nothing from
 * Node.
 *
 * @example
 * ```ts
 * import { createClient } from 'scirocco-rx/browser';
 *
 * const client = createClient({ url: '/scirocco', node: 'af123', token: 'DEFAULT_TOKEN' });
 * const pulled = await client.pull();
 * ```
 */
export function createClient(options: ClientOptions): SciroccoClient {
  return createClientCore(options, fetchTransport);
}
