import { fetchTransport } from '../../lib/client/fetch-transport.js';
import { gotTransport } from '../../lib/client/got-transport.js';
import type { Transport } from '../../lib/client/transport.js';
import { undiciTransport } from '../../lib/client/undici-transport.js';

/** Every transport the package ships: each client spec runs once per transport. */
export const TRANSPORTS: readonly (readonly [string, () => Transport])[] = [
  ['got', () => gotTransport()],
  ['fetch', () => fetchTransport()],
  ['undici', () => undiciTransport()],
];
