// A load generator in its own process: `connections` keep-alive connections send one request
// shape for `seconds`, as fast as the server answers. Prints requests per second.
import { Agent, request } from 'undici';

const [url = '', shape = 'pull', connections = '16', duration = '3'] = process.argv.slice(2);
const dispatcher = new Agent({ connections: Number(connections), pipelining: 1 });
const headers: Record<string, string> = { Authorization: 'DEFAULT_TOKEN', 'Scirocco-Node-Source': 'f00d' };
const push = shape === 'push';
if (push) {
  headers['Scirocco-Node-Destination'] = 'beef';
  headers['Content-Type'] = 'application/json';
}
const target = push || shape === 'pull' ? `${url}/messageQueue` : url;
const body = push ? '{"reading":21.5}' : undefined;
const end = Date.now() + Number(duration) * 1000;
let done = 0;
const worker = async () => {
  while (Date.now() < end) {
    const response = await request(target, { dispatcher, method: push ? 'POST' : 'GET', headers, body });
    await response.body.arrayBuffer();
    done++;
  }
};
// warm up, then measure
await Promise.all(Array.from({ length: Number(connections) }, worker));
process.stdout.write(`${JSON.stringify({ rps: done / Number(duration) })}\n`);
await dispatcher.close();
