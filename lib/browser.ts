/**
 * scirocco-rx for browsers and Angular: the portable API plus `createClient` on `fetch`. Nothing
 * here imports from Node.
 *
 * @packageDocumentation
 */
export * from './portable.js';
export { createClient } from './create-client.browser.js';
