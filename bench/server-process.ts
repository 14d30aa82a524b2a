// A server in its own process, printing its URL on one line and running until killed:
// - 'scirocco': this package's server with its in-memory store;
// - 'bare': a bare node:http server that answers 204 to everything;
// - 'bare-push': a bare node:http server that reads the body and answers what a push gets (201,
//   the same headers, the body back): the cost of the protocol's push answer alone.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startServer } from 'scirocco-rx/server';

const kind = process.argv[2] ?? 'scirocco';

function pushAnswer(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  const id = '5823a70203c123003de4229b';
  res.writeHead(201, {
    'Scirocco-Id': id,
    'Scirocco-Node-Source': req.headers['scirocco-node-source'] ?? '',
    'Scirocco-Node-Destination': req.headers['scirocco-node-destination'] ?? '',
    'Scirocco-Status': 'pending',
    'Scirocco-Tries': '0',
    'Scirocco-Payload-Type': 'application/json',
    'Scirocco-Created-Time': new Date().toString(),
    Location: `/messages/${id}`,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(body.length),
  });
  res.end(body);
}

if (kind === 'bare' || kind === 'bare-push') {
  const server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (kind === 'bare-push') {
        pushAnswer(req, res, Buffer.concat(chunks));
        return;
      }
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
