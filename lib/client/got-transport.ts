import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import got, { type Got } from 'got';
import { nodeHeaderReader, TransportFailure, type Transport } from './transport.js';

/** Options of {@link gotTransport}. */
export interface GotTransportOptions {
  /** Most sockets kept open per host. @default 16 */
  readonly maxSockets?: number;
}

function failure(error: unknown): TransportFailure {
  const { name, code, message } = error as { name?: string; code?: string; message?: string };
  if (name === 'AbortError' || code === 'ERR_ABORTED')
    return new TransportFailure('aborted', 'the request was aborted');
  if (name === 'TimeoutError' || code === 'ETIMEDOUT')
    return new TransportFailure('timeout', 'no answer in time', code);
  // got's own errors hold the request options, headers and token included: keep only the words.
  return new TransportFailure('network', message ?? String(error), code);
}

/**
 * The Node transport, on got: one keep-alive agent per transport (so per client), a timeout per
 * request, the caller's `AbortSignal` honoured, got's own retries, redirects and decompression
 * of nothing but what the server sends — retrying is the reactive layer's job.
 *
 * `createClient` uses it by default on Node.
 *
 * @example
 * ```ts
 * import { createClient, gotTransport } from 'scirocco-rx';
 *
 * const client = createClient({
 *   url: 'http://localhost:8000',
 *   node: 'af123',
 *   token: 'DEFAULT_TOKEN',
 *   transport: gotTransport({ maxSockets: 4 }),
 * });
 * ```
 */
export function gotTransport(options: GotTransportOptions = {}): Transport {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 16 };
  const agent = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
  const client: Got = got.extend({
    agent,
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    cache: false,
  });
  return {
    async request(request) {
      try {
        const response = await client(request.url, {
          method: request.method,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body }),
          timeout: { request: request.timeoutMs },
          responseType: 'buffer',
          ...(request.signal ? { signal: request.signal } : {}),
        });
        return {
          status: response.statusCode,
          header: nodeHeaderReader(response.headers),
          body: new Uint8Array(response.body.buffer, response.body.byteOffset, response.body.byteLength),
        };
      } catch (error) {
        throw failure(error);
      }
    },
    close() {
      agent.http.destroy();
      agent.https.destroy();
    },
  };
}
