import { afterEach } from 'vitest';
import { createClient } from '../../lib/create-client.js';
import type { SciroccoClient } from '../../lib/rx/scirocco-client.js';
import { startServer, type RunningServer, type ServerOptions } from '../../lib/server/start-server.js';
import { testStore } from './test-store.js';

/** A request as the server logged it, once answered. */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

/**
 * Gives a function that starts a server of the project's store on port 0 whose request log the
 * test reads, with a maker of clients (plain or not); both are closed after each test.
 */
export function useLoggedServers() {
  const servers: RunningServer[] = [];
  const clients: SciroccoClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return async (options: ServerOptions = {}) => {
    const lines: LoggedRequest[] = [];
    const server = await startServer({
      port: 0,
      ...testStore(),
      ...options,
      log: (line) => {
        const [, method = '', path = '', status = ''] = line.split(' ');
        if (status !== '') lines.push({ method, path, status: Number(status) });
      },
    });
    servers.push(server);
    const client = (node: string, plain = false) => {
      const made = createClient({ url: server.url, node, token: 'DEFAULT_TOKEN', plain });
      clients.push(made);
      return made;
    };
    return { server, lines, client };
  };
}
