import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

/**
 * A bare node:http server with a handler of the test's own: for answers the project's server
 * never gives (an original-server quirk, a broken answer, no answer at all).
 */
export async function stubServer(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  stubs.push(close);
  return { url: `http://127.0.0.1:${port}`, close };
}

const stubs: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stubs.splice(0).map((close) => close()));
});
