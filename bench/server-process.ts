// A server in its own process, printing its URL on one line and running until killed:
// - 'scirocco': this package's server, on its in-memory store or `--store URL`, with
//   `--preload N` messages waiting for `--preload-node ID` stored before it listens, and
//   `GET /metrics` served with `--metrics`;
// - 'bare': a bare node:http server that answers 204 to everything;
// - 'bare-push': a bare node:http server that reads the body and answers what a push gets (201,
//   the same headers, the body back): the cost of the protocol's push answer alone.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { openStore, startServer, type MessageStore } from 'scirocco-rx/server';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    store: { type: 'string' },
    preload: { type: 'string' },
    'preload-node': { type: 'string' },
    metrics: { type: 'boolean' },
  },
});
const kind = positionals[0] ?? 'scirocco';

/** Stores `count` messages waiting for `node`, 64 inserts at a time, with ids in time order. */
async function preload(store: MessageStore, count: number, node: string): Promise<void> {
  const started = Date.now() - count; // one millisecond apart, all in the past
  const batch = 64;
  for (let first = 0; first < count; first += batch) {
    const inserts: Promise<void>[] = [];
    for (let n = first; n < Math.min(count, first + batch); n++) {
      inserts.push(
        store.insert({
          id: (0x100000 + n).toString(16).padStart(24, '0'),
          nodeSource: 'a1',
          nodeDestination: node,
          status: 'pending',
          tries: 0,
          payloadType: 'application/json',
          createdTime: new Date(started + n),
          payload: { kind: 'json', value: JSON.stringify({ n, t: 0 }) },
        }),
      );
    }
    await Promise.all(inserts);
  }
}

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
  const store = await openStore(values.store ?? 'memory');
  const count = Number(values.preload ?? 0);
  if (count > 0) await preload(store, count, values['preload-node'] ?? 'b2');
  const server = await startServer({
    port: 0,
    store,
    limits: { maxListMessages: 1000 },
    retainProcessedMs: Infinity,
    metrics: values.metrics === true,
  });
  console.log(server.url);
}
process.on('SIGINT', () => process.exit(0));
