import { join } from 'node:path';

let files = 0;

/**
 * The store the server specs run on: memory by default; `SCIROCCO_TEST_STORE=sqlite` gives each
 * server a fresh SQLite file (in the directory of the run's global setup), so that the same
 * endpoint specs prove every store.
 */
export function testStore(): { readonly store?: string } {
  const kind = process.env.SCIROCCO_TEST_STORE ?? 'memory';
  if (kind === 'memory') return {};
  const directory = process.env.SCIROCCO_TEST_STORE_DIR;
  if (directory === undefined)
    throw new Error('SCIROCCO_TEST_STORE_DIR is not set: run through vitest.config.ts');
  if (kind === 'sqlite')
    return { store: `sqlite:${join(directory, `server-${String(process.pid)}-${String(++files)}.db`)}` };
  throw new Error(`SCIROCCO_TEST_STORE=${kind}: expected memory or sqlite`);
}
