import type { ClientOptions } from './client/client-options.js';
import { createClientCore } from './client/create-client-core.js';
import { fetchTransport } from './client/fetch-transport.js';
import { opsFromCore } from './rx/queue-ops.js';
import { assembleClient, type SciroccoClient } from './rx/scirocco-client.js';

/**
 * The browser and Angular build of `createClient`: the same client, sending requests with
 * `fetch` (`fetchTransport`), with nothing from Node.
 *
 * @example
 * ```ts
 * import { createClient } from 'scirocco-rx/browser';
 *
 * const client = createClient({ url: '/scirocco', node: 'af123', token: 'DEFAULT_TOKEN' });
 * client.pull$().subscribe((message) => console.log(message.payload));
 * ```
 */
export function createClient(options: ClientOptions): SciroccoClient {
  const core = createClientCore(options, fetchTransport);
  return assembleClient(core, opsFromCore(core));
}
