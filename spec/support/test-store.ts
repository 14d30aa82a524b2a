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
  if (kind === 'postgres') return { store: freshPostgresUrl() };
  const directory = process.env.SCIROCCO_TEST_STORE_DIR;
  if (directory === undefined)
    throw new Error('SCIROCCO_TEST_STORE_DIR is not set: run through vitest.config.ts');
  if (kind === 'sqlite')
    return { store: `sqlite:${join(directory, `server-${String(process.pid)}-${String(++files)}.db`)}` };
  throw new Error(`SCIROCCO_TEST_STORE=${kind}: expected memory, sqlite or postgres`);
}

/** A store URL on the run's PostgreSQL cluster with a schema of its own, so that stores never meet. */
export function freshPostgresUrl(): string {
  const url = process.env.SCIROCCO_TEST_PG_URL;
  if (url === undefined) throw new Error('SCIROCCO_TEST_PG_URL is not set: run through vitest.config.ts');
  return `${url}?schema=s_${String(process.pid)}_${String(++files)}`;
}
