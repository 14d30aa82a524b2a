// Snippets of docs/server.md and docs/testing.md, type-checked by the test suite.
import { createClient } from 'scirocco-rx';
import { createMemoryStore, startServer } from 'scirocco-rx/server';

{
  const server = await startServer({
    port: 0, // default: a free port
    host: '127.0.0.1', // default
    token: 'DEFAULT_TOKEN', // default
    store: createMemoryStore(), // default
    limits: { rawKb: 4096 }, // any of jsonKb, textKb, rawKb, maxListMessages
    clock: Date.now, // the server's time; tests may move it
    cors: ['http://localhost:4200'], // default: no CORS headers
    headersTimeoutMs: 10_000, // default; also requestTimeoutMs (30_000), keepAliveTimeoutMs (5_000)
    maxConnections: 1_000, // default
    log: (line) => console.error(line),
  });
  console.log(server.url);
  await server.close();
}

{
  const server = await startServer(); // a free port on 127.0.0.1, messages in memory
  const client = createClient({ url: server.url, node: 'af123', token: 'DEFAULT_TOKEN' });
  // ... push, pull$, assert ...
  client.close();
  await server.close();
}
