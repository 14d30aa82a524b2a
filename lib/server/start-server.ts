import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateHeaderValue } from '../protocol/validation.js';
import type { CorsOrigins } from './cors.js';
import { createMemoryStore } from './memory-store.js';
import { openStore } from './open-store.js';
import { createRequestHandler } from './create-request-handler.js';
import { loadConsoleAssets, type ConsoleAssets } from './console-assets.js';
import { createQueueChanges, type QueueChanges } from './queue-changes.js';
import { createServerMetrics, metricsExposition, type ServerMetrics } from './server-metrics.js';
import { createDueWaiters, type DueWaiters } from './due-waiters.js';
import type { MessageStore } from './message-store.js';
import { resolveLimits, type ServerLimits } from './server-limits.js';

/**
 * Options of {@link startServer}.
 *
 * @example
 * ```ts
 * import { startServer, type ServerOptions } from 'scirocco-rx/server';
 *
 * const options: ServerOptions = { port: 0, token: 'secret', limits: { rawKb: 4096 }, log: console.error };
 * const server = await startServer(options);
 * await server.close();
 * ```
 */
export interface ServerOptions {
  /** The port to listen on; 0 picks a free one (read it from `url`). @default 0 */
  readonly port?: number;
  /** The address to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** The master token every request must send in `Authorization`. @default 'DEFAULT_TOKEN' */
  readonly token?: string;
  /**
   * Where messages are kept: a {@link MessageStore}, or a store URL (`memory`, `sqlite:PATH`; see
   * `openStore`), opened at start and closed with the server. @default createMemoryStore()
   */
  readonly store?: MessageStore | string;
  /** Body size limits and the list maximum. @default DEFAULT_LIMITS */
  readonly limits?: Partial<ServerLimits>;
  /** The server's clock in milliseconds since the epoch, for tests that move time. @default Date.now */
  readonly clock?: () => number;
  /** Receives one line per request (method, path, status, duration; never a header). */
  readonly log?: (line: string) => void;
  /**
   * The processing-timeout extension: a message `processing` for longer than this many
   * milliseconds is taken for the claim of a consumer that is gone, and goes back to `pending`
   * (its `tries` kept, at the back of its queue), swept every quarter of it (at most every 5 s).
   * Advertised in `Scirocco-Extensions`. The store must offer `recoverStuck`. @default none: a
   * message stays `processing` until it is acked, as in the original
   */
  readonly processingTimeoutMs?: number;
  /**
   * Retention: how long a `processed` message is kept, in milliseconds, before it is deleted
   * (swept every quarter of it, at most every minute, on every store). `Infinity` keeps them all,
   * as the original does. @default 7 days
   */
  readonly retainProcessedMs?: number;
  /**
   * Serve the original server's protocol and nothing more: no extension is advertised, a nack
   * is answered as an unknown route (404 `Not Found`), and `processingTimeoutMs` is refused. For
   * testing how clients fall back against the original server. @default false
   */
  readonly plain?: boolean;
  /**
   * The most messages that may wait (`pending` or `scheduled`) for one node: a push past it is
   * answered 507 Insufficient Storage (`Retry-After: 1`), so producers back off while consumers
   * catch up, and the server never holds an unbounded backlog. Advertised in
   * `Scirocco-Extensions` (`max-waiting=N`). The store must offer `countWaiting`. Exact on one
   * server; servers sharing a store may pass it by about a second of pushes. @default none, as in
   * the original
   */
  readonly maxWaitingPerNode?: number;
  /**
   * Long polling: the most milliseconds a pull may wait for a message to become due
   * (`GET /messageQueue?wait=MS`, and batch pulls), advertised in `Scirocco-Extensions`
   * (`long-poll=N`). A waiting pull is woken by a push or a nack on this server, by another
   * server's on the same PostgreSQL store (LISTEN/NOTIFY), and when a scheduled message reaches its
   * time; `close()` answers every waiting pull at once. 0 offers no long polling. The store must
   * offer `nextDue`. @default DEFAULT_MAX_PULL_WAIT_MS (20 s)
   */
  readonly maxPullWaitMs?: number;
  /** How long `close()` lets requests in flight finish before it cuts their connections. @default 2000 */
  readonly closeGraceMs?: number;
  /**
   * Browser origins allowed to call the server from another origin (CORS): `'*'` or a list such
   * as `['http://localhost:4200']`. Their preflights are answered (before any token check, as
   * browsers send none), and their answers let scripts read the `Scirocco-*` headers. No CORS
   * headers at all when absent.
   */
  readonly cors?: CorsOrigins;
  /**
   * How long a client may take to send a request's headers, from the moment it connects or sends
   * the first byte of its next request; then it is answered 408 and the connection closed
   * (slow-header clients, connections that never send anything). The idle time between two
   * requests is `keepAliveTimeoutMs`'s. @default 10000
   */
  readonly headersTimeoutMs?: number;
  /**
   * How long a client may take to send a whole request, body included; then it is answered 408 and
   * the connection closed (bodies sent a byte at a time). Not less than `headersTimeoutMs`.
   * @default 30000
   */
  readonly requestTimeoutMs?: number;
  /** How long a kept-alive connection may stay idle between requests before it is closed. @default 5000 */
  readonly keepAliveTimeoutMs?: number;
  /**
   * The most connections open at once; beyond it, new connections are closed at once, without an
   * answer. Keep it below the process's file descriptor limit (`ulimit -n`). @default 1000
   */
  readonly maxConnections?: number;
  /**
   * Prometheus metrics (`GET /metrics`, the text exposition format; see docs/observability.md):
   * `true` serves them on the server's port behind the token (sent as is or as `Bearer TOKEN`);
   * `{ port, host }` on a listener of their own, without a token, for an address only the
   * scraper reaches (`host` defaults to `'127.0.0.1'`; port 0 picks a free one, read it from
   * `metricsUrl`). @default false: no metrics route
   */
  readonly metrics?: boolean | MetricsListener;
  /**
   * The web console (`/console/` on the server's port): a page that shows the queue live and
   * acts on it, asking for the token before it shows anything (every call it makes carries the
   * token; the page itself holds no data). Needs the built package (`dist/console/`).
   * @default false
   */
  readonly console?: boolean;
}

/**
 * Where a server serves its metrics on a listener of their own (see {@link ServerOptions.metrics}).
 *
 * @example
 * ```ts
 * import { startServer, type MetricsListener } from 'scirocco-rx/server';
 *
 * const metrics: MetricsListener = { port: 0 };
 * const server = await startServer({ metrics });
 * console.log(server.metricsUrl); // http://127.0.0.1:<a free port>/metrics
 * await server.close();
 * ```
 */
export interface MetricsListener {
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
}

/**
 * The connection limits a server applies unless told otherwise: 10 s for the headers, 30 s for a
 * whole request, 5 s idle between kept-alive requests, at most 1000 connections.
 *
 * @example
 * ```ts
 * import { CONNECTION_DEFAULTS, startServer } from 'scirocco-rx/server';
 *
 * const server = await startServer({ requestTimeoutMs: CONNECTION_DEFAULTS.requestTimeoutMs * 2 });
 * await server.close();
 * ```
 */
export const CONNECTION_DEFAULTS = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_000,
});

/**
 * A running server.
 *
 * @example
 * ```ts
 * import { startServer } from 'scirocco-rx/server';
 *
 * const server = await startServer();
 * console.log(server.url, server.port);
 * await server.close();
 * ```
 */
export interface RunningServer {
  /** `http://HOST:PORT`, with the real port. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Where the metrics are served (`…/metrics`), when the server was told to serve them. */
  readonly metricsUrl?: string;
  /** Where the web console is served (`…/console/`), when the server was told to serve it. */
  readonly consoleUrl?: string;
  /**
   * Stops accepting connections, closes idle ones, lets requests in flight finish (cutting them
   * after `closeGraceMs`), then closes the store. Calling it again returns the same promise.
   */
  close(): Promise<void>;
}

/**
 * The token of a server started without one, as in the original server. Fine on loopback; set
 * your own anywhere else.
 *
 * @example
 * ```ts
 * import { DEFAULT_TOKEN, startServer } from 'scirocco-rx/server';
 *
 * const server = await startServer({ token: process.env.SCIROCCO_MASTER_TOKEN ?? DEFAULT_TOKEN });
 * await server.close();
 * ```
 */
export const DEFAULT_TOKEN = 'DEFAULT_TOKEN';

/** How long processed messages are kept unless told otherwise: 7 days. */
const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1_000;

type ConnectionLimits = Record<keyof typeof CONNECTION_DEFAULTS, number>;

function positive(value: number, name: string, unit = ''): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive whole number${unit}, got ${String(value)}`);
  }
  return value;
}

/** Checks the options, throwing before anything listens; returns the connection limits. */
function checkOptions(options: ServerOptions): ConnectionLimits {
  const { port = 0, token = DEFAULT_TOKEN } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be a whole number from 0 to 65535, got ${String(port)}`);
  }
  if (token === '' || validateHeaderValue(token, 'token', true).isErr()) {
    throw new TypeError('token must be a non-empty string of printable ASCII characters');
  }
  const limits: ConnectionLimits = { ...CONNECTION_DEFAULTS };
  for (const key of ['headersTimeoutMs', 'requestTimeoutMs', 'keepAliveTimeoutMs'] as const) {
    limits[key] = positive(options[key] ?? limits[key], key, ' of milliseconds');
  }
  limits.maxConnections = positive(options.maxConnections ?? limits.maxConnections, 'maxConnections');
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new RangeError(
      `headersTimeoutMs (${limits.headersTimeoutMs} ms) must not exceed requestTimeoutMs (${limits.requestTimeoutMs} ms)`,
    );
  }
  if (options.processingTimeoutMs !== undefined) {
    if (options.plain === true) {
      throw new RangeError('processingTimeoutMs is an extension: a plain server offers none');
    }
    positive(options.processingTimeoutMs, 'processingTimeoutMs', ' of milliseconds');
  }
  if (options.maxWaitingPerNode !== undefined) positive(options.maxWaitingPerNode, 'maxWaitingPerNode');
  const wait = options.maxPullWaitMs;
  if (wait !== undefined && wait !== 0) positive(wait, 'maxPullWaitMs', ' of milliseconds');
  const retain = options.retainProcessedMs;
  if (retain !== undefined && retain !== Infinity) positive(retain, 'retainProcessedMs', ' of milliseconds');
  const { metrics } = options;
  if (typeof metrics === 'object') {
    const metricsPort = (metrics as Partial<MetricsListener>).port;
    if (!Number.isInteger(metricsPort) || (metricsPort as number) < 0 || (metricsPort as number) > 65535) {
      throw new RangeError(`metrics.port must be a whole number from 0 to 65535, got ${String(metricsPort)}`);
    }
  }
  return limits;
}

/**
 * Runs `work` every `periodMs` (never two at once), in the background: what it fails with is
 * logged, and the next round tries again. Returns what stops it.
 */
function every(
  periodMs: number,
  work: () => Promise<void>,
  log: ((line: string) => void) | undefined,
  what: string,
  metrics: ServerMetrics,
) {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    work()
      .catch((error: unknown) => {
        metrics.storeError();
        log?.(`${what}: the sweep failed: ${String(error)}`);
      })
      .finally(() => (running = false));
  }, periodMs);
  timer.unref();
  return () => {
    clearInterval(timer);
  };
}

/** The period of a sweep for a duration: a quarter of it, from 50 ms to `max`. */
const periodOf = (durationMs: number, max: number) => Math.min(Math.max(durationMs / 4, 50), max);

/** Sweeps stuck messages back to the queue every quarter of the timeout (at most every 5 s). */
function sweepStuck(
  store: MessageStore,
  timeoutMs: number,
  clock: () => number,
  log: ((line: string) => void) | undefined,
  waiters: DueWaiters,
  seen: Seen,
): () => void {
  const recover = store.recoverStuck?.bind(store);
  if (!recover) throw new RangeError('processingTimeoutMs needs a store that offers recoverStuck');
  return every(
    periodOf(timeoutMs, 5_000),
    async () => {
      const now = clock();
      const count = await recover(new Date(now - timeoutMs), new Date(now));
      if (count === 0) return;
      seen.metrics.recovered(count);
      seen.changes.changed();
      waiters.notifyAll();
      log?.(`processing timeout: ${String(count)} message(s) back to pending`);
    },
    log,
    'processing timeout',
    seen.metrics,
  );
}

/** What the sweeps report to: the server's counters, and the version of its queue. */
interface Seen {
  readonly metrics: ServerMetrics;
  readonly changes: QueueChanges;
}

/** Deletes processed messages past their retention, a thousand at a time, every minute at most. */
function sweepProcessed(
  store: MessageStore,
  retainMs: number,
  clock: () => number,
  log: ((line: string) => void) | undefined,
  seen: Seen,
): () => void {
  const purge = store.deleteProcessed?.bind(store);
  if (!purge || retainMs === Infinity) return () => undefined;
  return every(
    periodOf(retainMs, 60_000),
    async () => {
      const before = new Date(clock() - retainMs);
      for (let deleted = 1_000; deleted === 1_000;) {
        deleted = await purge(before, 1_000);
        if (deleted > 0) seen.changes.changed();
      }
    },
    log,
    'retention',
    seen.metrics,
  );
}

/** A `node:http` server with the connection limits: Node checks its timeouts on an interval. */
function httpServer(limits: ConnectionLimits, handler: RequestListener): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node's default checks every 30 s, which lets a slow client hold on that much longer.
      connectionsCheckingInterval: Math.min(1_000, Math.max(50, Math.floor(limits.headersTimeoutMs / 4))),
    },
    handler,
  );
  server.maxConnections = limits.maxConnections;
  return server;
}

/**
 * The listener of the metrics alone (`GET /metrics`, no token: its address is what protects it);
 * anything else is answered 404.
 */
function metricsListener(
  limits: ConnectionLimits,
  metrics: ServerMetrics,
  store: MessageStore,
  clock: () => number,
): Server {
  const statusGroups = store.statusGroups?.bind(store);
  return httpServer(limits, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    const answer =
      path === '/metrics' && (method === 'GET' || method === 'HEAD')
        ? metricsExposition(metrics, statusGroups, clock)
        : Promise.resolve({ status: 404, headers: { 'Content-Type': 'text/plain' }, body: 'Not Found' });
    answer
      .then((reply) => {
        res.writeHead(reply.status, { ...reply.headers, 'Cache-Control': 'no-store' });
        res.end(method === 'HEAD' ? undefined : reply.body);
      })
      .catch(() => {
        metrics.storeError();
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('Internal Server Error');
      });
  });
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function formatUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Logs refused connections once a second at most, with their count: a flood of them is what
 * `maxConnections` is for, and must not become a flood of log lines.
 */
function logDrops(server: Server, maxConnections: number, log: (line: string) => void): void {
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    log(
      `${new Date().toISOString()} refused ${dropped} connection${dropped === 1 ? '' : 's'}: ${maxConnections} open (maxConnections)`,
    );
    dropped = 0;
  };
  server.on('drop', () => {
    dropped++;
    timer ??= setTimeout(flush, 1_000).unref();
  });
  server.once('close', () => {
    if (timer) clearTimeout(timer);
  });
}

/**
 * Starts a scirocco-compatible server on `node:http`, in this process. It answers every endpoint
 * of the protocol with the original's statuses, headers and bodies; messages live in `store`
 * (in memory by default).
 *
 * @returns the server's `url` and `close()`, once it listens.
 *
 * @example
 * ```ts
 * import { startServer } from 'scirocco-rx/server';
 *
 * const server = await startServer({ token: 'secret' });
 * const info = await fetch(server.url, { headers: { Authorization: 'secret' } });
 * console.log(info.status); // 200
 * await server.close();
 * ```
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const limits = checkOptions(options);
  const host = options.host ?? '127.0.0.1';
  const store =
    typeof options.store === 'string'
      ? await openStore(options.store)
      : (options.store ?? createMemoryStore());
  if (options.maxWaitingPerNode !== undefined && !store.countWaiting) {
    if (typeof options.store === 'string') await store.close?.();
    throw new RangeError('maxWaitingPerNode needs a store that offers countWaiting');
  }
  const waiters = createDueWaiters();
  const seen: Seen = { metrics: createServerMetrics(), changes: createQueueChanges() };
  let consoleAssets: ConsoleAssets | undefined;
  if (options.console === true) {
    try {
      consoleAssets = await loadConsoleAssets();
    } catch (error) {
      if (typeof options.store === 'string') await store.close?.();
      throw error;
    }
  }
  const token = options.token ?? DEFAULT_TOKEN;
  const handler = createRequestHandler({
    store,
    token,
    limits: resolveLimits(options.limits),
    clock: options.clock ?? Date.now,
    log: options.log,
    cors: options.cors,
    processingTimeoutMs: options.processingTimeoutMs,
    plain: options.plain,
    maxWaitingPerNode: options.maxWaitingPerNode,
    maxPullWaitMs: options.maxPullWaitMs,
    waiters,
    metrics: seen.metrics,
    changes: seen.changes,
    metricsRoute: options.metrics === true,
    console: consoleAssets,
  });
  const clock = options.clock ?? Date.now;
  const sweeps = [
    options.processingTimeoutMs === undefined
      ? () => undefined
      : sweepStuck(store, options.processingTimeoutMs, clock, options.log, waiters, seen),
    sweepProcessed(store, options.retainProcessedMs ?? DEFAULT_RETENTION_MS, clock, options.log, seen),
  ];
  const stopSweeping = () => {
    for (const stop of sweeps) stop();
  };
  const server = httpServer(limits, handler);
  if (options.log) logDrops(server, limits.maxConnections, options.log);
  const ownMetrics =
    typeof options.metrics === 'object'
      ? {
          listener: metricsListener(limits, seen.metrics, store, clock),
          port: options.metrics.port,
          host: options.metrics.host ?? '127.0.0.1',
        }
      : undefined;
  const metricsServer = ownMetrics?.listener;
  let port: number;
  let metricsUrl: string | undefined;
  try {
    ({ port } = await listen(server, options.port ?? 0, host));
    if (ownMetrics) {
      const { port: own } = await listen(ownMetrics.listener, ownMetrics.port, ownMetrics.host);
      metricsUrl = `${formatUrl(ownMetrics.host, own)}/metrics`;
    }
  } catch (error) {
    // A store this call opened from a URL is this call's to close.
    stopSweeping();
    server.close();
    metricsServer?.close();
    if (typeof options.store === 'string') await store.close?.();
    throw error;
  }
  const url = formatUrl(host, port);
  if (options.metrics === true) metricsUrl = `${url}/metrics`;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve) => {
      // Waiting pulls and summaries are answered now: their connections then close as idle ones.
      waiters.close();
      seen.changes.close();
      const force = setTimeout(() => {
        server.closeAllConnections();
      }, options.closeGraceMs ?? 2_000);
      // Connections become idle as their requests finish: close them as they do.
      const sweep = setInterval(() => {
        server.closeIdleConnections();
      }, 25);
      force.unref();
      sweep.unref();
      server.close(() => {
        clearTimeout(force);
        clearInterval(sweep);
        resolve();
      });
      server.closeIdleConnections();
      if (metricsServer) {
        metricsServer.close();
        metricsServer.closeAllConnections();
      }
    }).then(() => {
      stopSweeping();
      return store.close?.();
    }));
  return Object.freeze({
    url,
    host,
    port,
    ...(metricsUrl === undefined ? {} : { metricsUrl }),
    ...(consoleAssets ? { consoleUrl: `${url}/console/` } : {}),
    close,
  });
}
