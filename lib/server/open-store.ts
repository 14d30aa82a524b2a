import { createMemoryStore } from './memory-store.js';
import type { MessageStore } from './message-store.js';
import { createPostgresStore } from './postgres-store.js';
import { createSqliteStore } from './sqlite-store.js';

/**
 * Opens the store a URL names, as `scirocco serve --store URL` (or `SCIROCCO_STORE`) does:
 *
 * | URL | store |
 * | --- | --- |
 * | `memory` | in this process's memory, lost when it exits (the default) |
 * | `sqlite:PATH` | a SQLite file, created if missing (`sqlite::memory:` for one in memory) |
 * | `postgres://USER:PASSWORD@HOST:PORT/DB` | a PostgreSQL database (also `postgresql://`); `?schema=NAME` picks the schema (`public`) |
 *
 * A driver that is not installed is named in the error. Anything else is refused with the forms
 * that are understood.
 *
 * @param url - the store's URL.
 * @returns the store, open.
 *
 * @example
 * ```ts
 * import { openStore, startServer } from 'scirocco-rx/server';
 *
 * const server = await startServer({ store: await openStore('sqlite:./queue.db') });
 * await server.close();
 * ```
 */
export async function openStore(url: string): Promise<MessageStore> {
  if (url === 'memory' || url === 'memory:') return createMemoryStore();
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=[^/])/, '');
    if (path === '') throw new RangeError('store: sqlite: needs a file, as in sqlite:./queue.db');
    return createSqliteStore({ path });
  }
  if (/^postgres(?:ql)?:\/\//.test(url)) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema') ?? undefined;
    parsed.searchParams.delete('schema');
    return createPostgresStore({ url: parsed.toString(), ...(schema === undefined ? {} : { schema }) });
  }
  throw new RangeError(
    `store: ${JSON.stringify(url)} is not a store URL: use memory, sqlite:PATH or postgres://USER@HOST/DB`,
  );
}

/** How a store URL is shown in logs: a PostgreSQL password is never shown. */
export function describeStore(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@]*@/, '$1:***@');
}
