import type { ClientOptions } from './client/client-options.js';
import { createClientCore } from './client/create-client-core.js';
import { gotTransport } from './client/got-transport.js';
import { opsFromCore } from './rx/queue-ops.js';
import { assembleClient, type SciroccoClient } from './rx/scirocco-client.js';

/**
 * Creates a client for one node of a scirocco server: the promise API, the same operations as
 * cold Observables, and the reactive flows `pull$` and `pushFrom`. On Node it sends requests with
 * got (`gotTransport`); pass `transport` to choose another.
 *
 * Promise methods resolve to a `Result` and never reject. Invalid options are a programming
 * error: `createClient` throws a `SciroccoError` of kind `invalid-argument` at once.
 *
 * @example
 * ```ts
 * import { ackOnComplete, createClient } from 'scirocco-rx';
 *
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * const pushed = await client.push('af123', { type: 'message' });
 * client
 *   .pull$<{ type: string }>({ stopWhenEmpty: true })
 *   .pipe(ackOnComplete((message) => console.log(message.payload.type)))
 *   .subscribe({ complete: () => client.close() });
 * ```
 */
export function createClient(options: ClientOptions): SciroccoClient {
  const core = createClientCore(options, gotTransport);
  return assembleClient(core, opsFromCore(core));
}
