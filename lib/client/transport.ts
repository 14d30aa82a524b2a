/** One HTTP request, as the client hands it to a {@link Transport}. */
export interface TransportRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** The absolute URL. */
  readonly url: string;
  /** Header names in the protocol's casing; values already validated. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array | undefined;
  /** Give up after this many milliseconds with a `timeout` failure. */
  readonly timeoutMs: number;
  /** Give up when it fires with an `aborted` failure. */
  readonly signal?: AbortSignal | undefined;
}

/** An HTTP answer, whatever its status. */
export interface TransportResponse {
  readonly status: number;
  /** Reads one header by name, case-insensitively. */
  header(name: string): string | undefined;
  readonly body: Uint8Array;
}

/** Reads a header of Node's lowercase header object, the first of repeated ones. */
export function nodeHeaderReader(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): TransportResponse['header'] {
  return (name) => {
    // The client asks for lowercase names: no lowercasing for those.
    const value = headers[name] ?? headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
}

/**
 * Why no answer came: the only way a transport's promise rejects. It holds words and a code,
 * never a header value.
 *
 * @example
 * ```ts
 * import { TransportFailure, type Transport } from 'scirocco-rx';
 *
 * const offline: Transport = {
 *   request: () => Promise.reject(new TransportFailure('network', 'offline', 'ENETDOWN')),
 * };
 * ```
 */
export class TransportFailure extends Error {
  override readonly name = 'TransportFailure';
  constructor(
    readonly kind: 'network' | 'timeout' | 'aborted',
    message: string,
    /** A short code such as `ECONNREFUSED`, when there is one. */
    readonly code?: string,
    /**
     * What most likely caused it, when the transport can tell: `'cors'` for a cross-origin
     * browser request that got no readable answer (the server is down, or refuses the page's
     * origin).
     */
    readonly likelyCause?: 'cors',
  ) {
    super(message);
  }
}

/**
 * Sends HTTP requests for a client: the got transport on Node ({@link gotTransport}), the fetch
 * transport in browsers ({@link fetchTransport}), or your own. A transport never retries, never
 * follows redirects, never takes an answer from an HTTP cache (the fetch transport, across
 * origins, relies on the server's `Cache-Control: no-store` for that, as `scirocco serve` sends it),
 * and rejects only with a {@link TransportFailure} that holds no header value (so never the token).
 *
 * @example
 * ```ts
 * import { createClient, fetchTransport, type Transport } from 'scirocco-rx';
 *
 * // Count requests by wrapping a transport.
 * const inner = fetchTransport();
 * let requests = 0;
 * const counting: Transport = {
 *   request: (request) => {
 *     requests++;
 *     return inner.request(request);
 *   },
 * };
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN', transport: counting });
 * ```
 */
export interface Transport {
  /** Sends one request; resolves to the answer whatever its status, rejects only with a `TransportFailure`. */
  request(request: TransportRequest): Promise<TransportResponse>;
  /** Releases connections the transport keeps. */
  close?(): void;
}
