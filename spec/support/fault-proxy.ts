import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * An HTTP proxy in front of a server, for fault specs: it forwards every request at once (so the
 * server does its work, a pull claims its message) and can hold back the answers of the next
 * pulls, past a client's timeout.
 */
export interface FaultProxy {
  readonly url: string;
  /** The answers of the next `count` pulls (`GET /messageQueue`) wait `ms` before they are sent. */
  stallPulls(count: number, ms: number): void;
  /** Pulls answered late so far. */
  readonly stalled: number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  let stalls = 0;
  let stallMs = 0;
  let stalled = 0;
  const server = createServer((incoming, answer) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      // A pull of any form: single or batch, waiting or not.
      const isPull = incoming.method === 'GET' && /^\/messageQueue(\/batch)?(\?|$)/.test(incoming.url ?? '');
      const delay = isPull && stalls > 0 ? (stalls--, stallMs) : 0;
      const forwarded = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
          agent: false,
        },
        (response) => {
          const body: Buffer[] = [];
          response.on('data', (chunk: Buffer) => body.push(chunk));
          response.on('end', () => {
            const send = () => {
              if (answer.destroyed) return;
              answer.writeHead(response.statusCode ?? 502, response.headers);
              answer.end(Buffer.concat(body));
            };
            if (delay === 0) send();
            else {
              stalled++;
              void sleep(delay).then(send);
            }
          });
        },
      );
      forwarded.on('error', () => {
        answer.destroy();
      });
      forwarded.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}`,
    stallPulls(count, ms) {
      stalls = count;
      stallMs = ms;
    },
    get stalled() {
      return stalled;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
