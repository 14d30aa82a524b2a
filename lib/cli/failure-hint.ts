import type { SciroccoError } from '../client/scirocco-error.js';

const HINTS: Partial<Record<SciroccoError['kind'] | 'route', (url: string, node: string) => string>> = {
  network: (url) => `Is a server running at ${url}? Start one with 'scirocco serve'.`,
  timeout: (url) => `The server at ${url} did not answer in time.`,
  auth: () => 'The server refused the token: check --token or SCIROCCO_MASTER_TOKEN.',
  'not-found': (_, node) =>
    `No such message for node ${node} in that state: 'scirocco ls' lists this node's messages.`,
  route: (url) =>
    `Nothing answers that path at ${url}: check --url or SCIROCCO_URL (a path in it, such as /prefix, is kept).`,
  'payload-too-large': () => 'The payload is over the server\u2019s size limit.',
  'queue-full': () =>
    'The destination has as many messages waiting as the server keeps for a node: push again once its consumers have taken some.',
  server: () => 'The server failed; try again, or look at its log.',
};

/**
 * Whether a 404 came from a path the server does not have (a wrong URL) rather than from a message
 * it does not have: the server says "Resource not found." only of messages, and only operations
 * on one message can get that.
 */
function isWrongRoute(error: SciroccoError): boolean {
  const aboutMessage = error.operation === 'ack' || error.operation === 'get' || error.operation === 'update';
  return error.kind === 'not-found' && !(aboutMessage && /Resource not found\.?$/.test(error.message));
}

/**
 * What to try after a failure, for a person; undefined when there is nothing to say.
 *
 * @example
 * ```ts
 * hintFor(error, client); // "Is a server running at http://127.0.0.1:8000? Start one with 'scirocco serve'."
 * ```
 */
export function hintFor(error: SciroccoError, client: { url: string; node: string }): string | undefined {
  return HINTS[isWrongRoute(error) ? 'route' : error.kind]?.(client.url, client.node);
}
