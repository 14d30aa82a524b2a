import { afterEach, beforeEach } from 'vitest';
import { startServer, type RunningServer, type ServerOptions } from '../../lib/server/index.js';
import { testStore } from './test-store.js';

/** A settable clock for tests that move the server's time. */
export function manualClock(start = Date.now()) {
  let now = start;
  return {
    now: () => now,
    /** Back to the real time. */
    reset: () => {
      now = Date.now();
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/**
 * Starts a fresh server on port 0 before each test and closes it after, like ky's tests do.
 * Read `.url` inside a test.
 */
export function useServer(options: ServerOptions = {}): {
  readonly url: string;
  readonly server: RunningServer;
} {
  let server: RunningServer | undefined;
  beforeEach(async () => {
    server = await startServer({ port: 0, ...testStore(), ...options });
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  return {
    get url() {
      if (!server) throw new Error('the server is not running');
      return server.url;
    },
    get server() {
      if (!server) throw new Error('the server is not running');
      return server;
    },
  };
}
