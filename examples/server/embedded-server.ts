// Starts the compatible server in this process, pushes a message and pulls it back with plain
// fetch: what a test or a demo does before it has a client.
import { HEADERS } from 'scirocco-rx';
import { startServer } from 'scirocco-rx/server';

const server = await startServer({ port: 0, token: 'DEFAULT_TOKEN' });
const headers = { Authorization: 'DEFAULT_TOKEN', [HEADERS.nodeSource]: 'af123' };

const pushed = await fetch(`${server.url}/messageQueue`, {
  method: 'POST',
  headers: { ...headers, [HEADERS.nodeDestination]: 'af123', 'Content-Type': 'application/json' },
  body: JSON.stringify({ type: 'message' }),
});
console.log(pushed.status, pushed.headers.get(HEADERS.id)); // 201 <24 hex characters>

const pulled = await fetch(`${server.url}/messageQueue`, { headers, cache: 'no-store' });
console.log(pulled.headers.get(HEADERS.status), await pulled.json()); // processing { type: 'message' }

await server.close();
