// A server in its own process: ours ('scirocco') or a bare node:http one that answers 204 ('bare').
// Prints its URL on one line, runs until killed.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startServer } from 'scirocco-rx/server';

const kind = process.argv[2] ?? 'scirocco';
if (kind === 'bare') {
  const server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(204);
      res.end();
    });
  });
  server.listen(0, '127.0.0.1', () => {
    console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
} else {
  const server = await startServer({ port: 0, limits: { maxListMessages: 1000 } });
  console.log(server.url);
}
process.on('SIGINT', () => process.exit(0));
