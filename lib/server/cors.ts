import type { IncomingMessage } from 'node:http';
import { EXTENSIONS_HEADER, WAIT_ID_HEADER } from '../protocol/server-extensions.js';
import { HEADERS } from '../protocol/headers.js';

/**
 * The browser origins allowed to call the server across origins (CORS): `'*'` for any, or a list
 * of exact origins such as `'http://localhost:4200'`.
 *
 * @example
 * ```ts
 * import { startServer, type CorsOrigins } from 'scirocco-rx/server';
 *
 * const cors: CorsOrigins = ['http://localhost:4200'];
 * const server = await startServer({ cors });
 * await server.close();
 * ```
 */
export type CorsOrigins = '*' | readonly string[];

/** What the server does for cross-origin requests. */
export interface CorsPolicy {
  /** The headers a request from `origin` gets with its answer: none for an origin not allowed. */
  headersFor(origin: string | undefined): Readonly<Record<string, string>> | undefined;
  /**
   * The headers of the 204 answering a CORS preflight from an allowed origin (before any token
   * check: a browser sends none with it); `undefined` for any other request.
   */
  preflight(req: IncomingMessage): Readonly<Record<string, string>> | undefined;
}

const ORIGIN = /^https?:\/\/[^\s/?#]+$/;

/** The request headers a client of the protocol sends. */
const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Content-Encoding',
  HEADERS.nodeSource,
  HEADERS.nodeDestination,
  HEADERS.payloadType,
  HEADERS.status,
  HEADERS.scheduledTime,
  HEADERS.traceParent,
  WAIT_ID_HEADER,
].join(', ');

/** The answer headers a browser script may read: the metadata and `Location`. */
const EXPOSED_HEADERS = [...Object.values(HEADERS), 'Location', EXTENSIONS_HEADER].join(', ');

/** The extra headers of a preflight answer, for an allowed origin. */
const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Access-Control-Allow-Methods': 'GET, HEAD, POST, PATCH, DELETE',
  'Access-Control-Allow-Headers': ALLOWED_HEADERS,
  'Access-Control-Max-Age': '600',
});

/**
 * Checks `origins` and makes the policy; `undefined` (no CORS headers at all) when not given.
 *
 * @throws TypeError when an origin is not `http(s)://host[:port]`.
 */
export function corsPolicy(origins: CorsOrigins | undefined): CorsPolicy | undefined {
  if (origins === undefined) return undefined;
  const any = origins === '*';
  if (!any) {
    if (!Array.isArray(origins) || origins.length === 0) {
      throw new TypeError("cors must be '*' or a non-empty list of origins such as 'http://localhost:4200'");
    }
    for (const origin of origins) {
      if (typeof origin !== 'string' || !ORIGIN.test(origin)) {
        throw new TypeError(
          `cors origin ${JSON.stringify(origin)} is not an origin such as 'http://localhost:4200' (scheme, host and port only)`,
        );
      }
    }
  }
  // Built once: an answer only looks its headers up. A list makes the answer depend on the
  // Origin header, so every answer says so (Vary) and each origin gets its own headers.
  const vary: Readonly<Record<string, string>> | undefined = any ? undefined : { Vary: 'Origin' };
  const allowedHeaders = (origin: string) =>
    Object.freeze({
      ...vary,
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Expose-Headers': EXPOSED_HEADERS,
    });
  const anyHeaders = allowedHeaders('*');
  const listed: readonly string[] = origins === '*' ? [] : origins;
  const byOrigin = new Map(listed.map((origin) => [origin, allowedHeaders(origin)] as const));
  const preflights = new Map(
    [...byOrigin].map(([origin, headers]) => [origin, Object.freeze({ ...headers, ...PREFLIGHT_HEADERS })]),
  );
  const anyPreflight = Object.freeze({ ...anyHeaders, ...PREFLIGHT_HEADERS });
  const headersFor = (origin: string | undefined) => {
    if (origin === undefined) return vary;
    return any ? anyHeaders : (byOrigin.get(origin) ?? vary);
  };
  return {
    headersFor,
    preflight(req) {
      const { origin } = req.headers;
      if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) {
        return undefined;
      }
      if (origin === undefined) return undefined;
      return any ? anyPreflight : preflights.get(origin);
    },
  };
}
