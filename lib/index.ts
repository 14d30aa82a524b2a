/**
 * scirocco-rx: the scirocco HTTP message queue for reactive code. The Node entry point: the
 * portable API plus `createClient` on got and {@link gotTransport}. Browsers and Angular get
 * `scirocco-rx/browser` (chosen by the `browser` export condition), where `createClient` uses
 * `fetch`. The server lives in `scirocco-rx/server`.
 *
 * @packageDocumentation
 */
export * from './portable.js';
export { createClient } from './create-client.js';
export { gotTransport, type GotTransportOptions } from './client/got-transport.js';
