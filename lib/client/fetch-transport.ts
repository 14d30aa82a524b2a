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

/** The origin of the page or worker the code runs in; `undefined` outside a browser. */
function pageOrigin(): string | undefined {
  const origin = (globalThis as { location?: { origin?: unknown } }).location?.origin;
  return typeof origin === 'string' ? origin : undefined;
}

/**
 * Where a request goes from here: the page's origin, and the target's when it is another one
 * (a cross-origin request, which the browser sends under CORS).
 */
function crossOriginTarget(url: string): { page: string; target: string } | undefined {
  const page = pageOrigin();
  if (page === undefined) return undefined;
  let target: string;
  try {
    const base = (globalThis as { location?: { href?: unknown } }).location?.href;
    target = new URL(url, typeof base === 'string' ? base : undefined).origin;
  } catch {
    return undefined;
  }
  return target === page ? undefined : { page, target };
}

function failure(
  error: unknown,
  timedOut: boolean,
  request: TransportRequest,
  crossOrigin: { page: string; target: string } | undefined,
): TransportFailure {
  if (timedOut) return new TransportFailure('timeout', 'no answer in time');
  if (request.signal?.aborted) return new TransportFailure('aborted', 'the request was aborted');
  if (crossOrigin && error instanceof TypeError) {
    // A browser tells a refused CORS request from an unreachable server by nothing but the
    // console: fetch rejects with a bare TypeError either way.
    const { page, target } = crossOrigin;
    return new TransportFailure(
      'network',
      `${error.message} (a cross-origin request from ${page} to ${target}: if the server is up, ` +
        `it likely does not allow this origin by CORS; scirocco serve --cors ${page} allows it)`,
      undefined,
      'cors',
    );
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return new TransportFailure('network', cause?.message ?? (error as Error).message, cause?.code);
}

/**
 * The browser transport, on `fetch`: nothing from Node, so it bundles for browsers and Angular.
 * It follows no redirect, and applies the timeout and the caller's `AbortSignal`.
 *
 * No answer may come from the HTTP cache: a cached pull would lose the message the server just
 * claimed. A request to the page's own origin (or outside a browser) bypasses the cache
 * (`cache: 'no-store'`). A cross-origin one keeps the default cache mode, because every other
 * mode also bypasses the browser's preflight cache, so each request would cost a CORS preflight;
 * it relies on the server: `scirocco serve` answers with `Cache-Control: no-store` and no
 * validators, so nothing is stored or revalidated. A server that sends `ETag`s (the original
 * does) must be reached from the page's origin, through a proxy.
 *
 * In a browser, a cross-origin request that fails with no readable answer (fetch rejects with a
 * `TypeError`: the server is down, or CORS refused the answer) is a `network` failure whose
 * message names CORS as the likely cause and `likelyCause` is `'cors'`.
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
      const crossOrigin = crossOriginTarget(request.url);
      try {
        const response = await doFetch(request.url, {
          method: request.method,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body as BodyInit }),
          cache: crossOrigin ? 'default' : 'no-store',
          redirect: 'manual',
          signal: limit.signal,
        });
        const body = new Uint8Array(await response.arrayBuffer());
        return { status: response.status, header: (name) => response.headers.get(name) ?? undefined, body };
      } catch (error) {
        throw failure(error, limit.timedOut(), request, crossOrigin);
      } finally {
        limit.dispose();
      }
    },
  };
}
