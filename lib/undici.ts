/**
 * scirocco-rx/undici: the fast Node transport. Needs the optional peer dependency `undici` (^7).
 *
 * @packageDocumentation
 */
export { undiciTransport, type UndiciTransportOptions } from './client/undici-transport.js';
