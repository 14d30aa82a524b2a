import { TransportFailure, type Transport, type TransportRequest } from './transport.js';

/** Options of {@link fetchTransport}. */
export interface FetchTransportOptions {
  /** The `fetch` to use. @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
}

/** Aborts on the caller's signal or on the timeout, and remembers which. */
function deadline(request: TransportRequest) {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, request.timeoutMs);
  const onAbort = () => {
    controller.abort();
  };
  request.signal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose: () => {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
    },
  };
}

function failure(error: unknown, timedOut: boolean, request: TransportRequest): TransportFailure {
  if (timedOut) return new TransportFailure('timeout', 'no answer in time');
  if (request.signal?.aborted) return new TransportFailure('aborted', 'the request was aborted');
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return new TransportFailure('network', cause?.message ?? (error as Error).message, cause?.code);
}

/**
 * The browser transport, on `fetch`: nothing from Node, so it bundles for browsers and Angular.
 * It bypasses the HTTP cache (`cache: 'no-store'`: a cached pull would lose the message the server
 * just claimed), follows no redirect, and applies the timeout and the caller's `AbortSignal`.
 *
 * `createClient` from the browser entry uses it by default; on Node it works too (Node 20 has
 * `fetch`).
 *
 * @example
 * ```ts
 * import { createClient, fetchTransport } from 'scirocco-rx';
 *
 * const client = createClient({
 *   url: 'http://localhost:8000',
 *   node: 'af123',
 *   token: 'DEFAULT_TOKEN',
 *   transport: fetchTransport(),
 * });
 * ```
 */
export function fetchTransport(options: FetchTransportOptions = {}): Transport {
  return {
    async request(request) {
      const doFetch = options.fetch ?? globalThis.fetch;
      const limit = deadline(request);
      try {
        const response = await doFetch(request.url, {
          method: request.method,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body as BodyInit }),
          cache: 'no-store',
          redirect: 'manual',
          signal: limit.signal,
        });
        const body = new Uint8Array(await response.arrayBuffer());
        return { status: response.status, header: (name) => response.headers.get(name) ?? undefined, body };
      } catch (error) {
        throw failure(error, limit.timedOut(), request);
      } finally {
        limit.dispose();
      }
    },
  };
}
