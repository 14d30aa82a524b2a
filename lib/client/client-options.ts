import { guardedTelemetry, type ClientTelemetry } from './client-telemetry.js';
import { describeValue, validateHeaderValue, validateNodeId } from '../protocol/validation.js';
import type { SciroccoError } from './scirocco-error.js';
import { invalidArgument } from './status-error.js';
import type { Transport } from './transport.js';

/**
 * Options of `createClient`.
 *
 * @example
 * ```ts
 * import { createClient, type ClientOptions } from 'scirocco-rx';
 *
 * const options: ClientOptions = { url: 'http://localhost:8000', node: 'af123', token: process.env.SCIROCCO_MASTER_TOKEN ?? 'DEFAULT_TOKEN', timeout: 5_000 };
 * const client = createClient(options);
 * ```
 */
export interface ClientOptions {
  /**
   * The server, `http://` or `https://`, optionally with a path prefix: `http://localhost:8000`.
   * In a browser it may be relative to the page: `/scirocco`.
   */
  readonly url: string;
  /** This client's node id: hexadecimal, no leading zeros (the original server drops them). */
  readonly node: string;
  /** The server's master token, sent verbatim in `Authorization`. */
  readonly token: string;
  /** Milliseconds to wait for each answer before giving up with a `timeout` error. @default 10000 */
  readonly timeout?: number;
  /** How requests are sent. @default gotTransport() on Node, fetchTransport() in browsers */
  readonly transport?: Transport;
  /**
   * Use the plain protocol only, as against the original server: no extension is asked for or
   * used (`extensions()` answers `{ nack: false }` with no request), so `pull$` polls every
   * `interval`, claims one message per request and requeues by copy. @default false: the client
   * asks the server once, at the first call that could use an extension, and uses what it offers
   */
  readonly plain?: boolean;
  /**
   * Tracing and metrics of the client's work: `openTelemetry()` of `scirocco-rx/opentelemetry`,
   * or a {@link ClientTelemetry} of your own. @default none: nothing is told, nothing is paid
   */
  readonly telemetry?: ClientTelemetry;
}

/** Options after validation. */
export interface ResolvedClientOptions {
  /** Without a trailing slash. */
  readonly url: string;
  readonly node: string;
  readonly token: string;
  readonly timeout: number;
  readonly transport: Transport;
  readonly plain: boolean;
  readonly telemetry: ClientTelemetry | undefined;
}

/**
 * The default answer timeout of a client, in milliseconds.
 *
 * @example
 * ```ts
 * import { createClient, DEFAULT_TIMEOUT_MS } from 'scirocco-rx';
 *
 * const patient = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN', timeout: 3 * DEFAULT_TIMEOUT_MS });
 * ```
 */
export const DEFAULT_TIMEOUT_MS = 10_000;

function invalid(message: string): SciroccoError {
  return invalidArgument('createClient', message);
}

function checkUrl(url: unknown): string {
  let parsed: URL | undefined;
  try {
    // In a browser a URL may be relative to the page (a development proxy, say).
    const page = (globalThis as { location?: { href?: string } }).location?.href;
    parsed = typeof url === 'string' ? new URL(url, page) : undefined;
  } catch {
    parsed = undefined;
  }
  if (
    !parsed ||
    !['http:', 'https:'].includes(parsed.protocol) ||
    parsed.search !== '' ||
    parsed.hash !== ''
  ) {
    throw invalid(
      `url must be an absolute http or https URL without query or fragment, got ${describeValue(url)}`,
    );
  }
  return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
}

/**
 * Validates client options; throws a `SciroccoError` of kind `invalid-argument` naming the first
 * bad one (the token is never shown).
 */
export function resolveClientOptions(
  options: ClientOptions,
  defaultTransport: () => Transport,
): ResolvedClientOptions {
  const url = checkUrl(options.url);
  const node = validateNodeId(options.node, 'node');
  if (node.isErr()) throw invalid(node.error);
  const token = validateHeaderValue(options.token, 'token', true);
  if (token.isErr()) throw invalid(token.error);
  if (token.value === '') throw invalid('token must not be empty');
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw invalid(`timeout must be a positive number of milliseconds, got ${describeValue(timeout)}`);
  }
  return Object.freeze({
    url,
    node: node.value,
    token: token.value,
    timeout,
    transport: options.transport ?? defaultTransport(),
    plain: options.plain === true,
    telemetry: options.telemetry === undefined ? undefined : guardedTelemetry(options.telemetry),
  });
}
