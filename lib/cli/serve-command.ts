import type { CorsOrigins } from '../server/cors.js';
import type { RunningServer, ServerOptions } from '../server/start-server.js';
import type { MessageStore } from '../server/message-store.js';
import type { CommandIo } from './client-options.js';
import { parseArguments } from './parse-arguments.js';
import { parseDuration } from './parse-duration.js';
import { EXIT, UsageError } from './usage-error.js';

/** The server's modules, loaded only when it is about to run. */
type Server = typeof import('../server/start-server.js') &
  typeof import('../server/cors.js') &
  typeof import('../server/server-limits.js') &
  typeof import('../server/open-store.js');

async function loadServer(): Promise<Server> {
  const [start, cors, limits, stores] = await Promise.all([
    import('../server/start-server.js'),
    import('../server/cors.js'),
    import('../server/server-limits.js'),
    import('../server/open-store.js'),
  ]);
  return { ...start, ...cors, ...limits, ...stores };
}

/** The help text of `scirocco serve`. */
export const SERVE_HELP = `Usage: scirocco serve [options]

Runs a scirocco-compatible message queue server. Prints one line
"listening on http://HOST:PORT" when it is ready (and on stderr which store it
uses); stops on SIGINT (Ctrl-C) or SIGTERM after closing its connections, with
exit code 0.

Options:
      --store URL   where messages are kept (env SCIROCCO_STORE, default memory):
                    memory       in memory, lost when the server stops
                    sqlite:PATH  a SQLite file, created if missing (needs the
                                 better-sqlite3 package)
                    postgres://USER:PASSWORD@HOST:PORT/DB[?schema=NAME]
                                 PostgreSQL, for several instances (needs pg)
  -p, --port N      port to listen on; 0 picks a free one
                    (env SCIROCCO_PORT, default 8000)
      --host H      address to listen on; 0.0.0.0 for every interface
                    (env SCIROCCO_HOST, default 127.0.0.1)
      --token T     master token clients send in Authorization
                    (env SCIROCCO_MASTER_TOKEN, default DEFAULT_TOKEN);
                    prefer the variable: options show in process lists
      --cors ORIGIN browser origin allowed to call the server, such as
                    http://localhost:4200, or '*' for any; repeatable
                    (env SCIROCCO_CORS, comma-separated; default none)
      --processing-timeout DURATION
                    a message processing for longer goes back to pending, its
                    tries kept: its consumer is taken for gone (an extension;
                    env SCIROCCO_PROCESSING_TIMEOUT, default none)
      --retain-processed DURATION
                    how long processed messages are kept, or forever
                    (env SCIROCCO_RETAIN_PROCESSED, default 7d)
      --max-waiting N
                    the most messages waiting for one node; a push past it
                    is answered 507 (env SCIROCCO_MAX_WAITING, default none)
      --max-pull-wait DURATION
                    the longest a pull may wait for a message (long polling,
                    an extension), or off (env SCIROCCO_MAX_PULL_WAIT,
                    default 20s)
      --plain       serve the original protocol only, no extension: to test
                    clients against it
      --console     serve the web console at /console/ on the same port: the
                    queue live, and actions on it; it asks for the token
                    (env SCIROCCO_CONSOLE=1)
      --metrics     serve Prometheus metrics at /metrics on the same port,
                    behind the token (as is, or 'Bearer TOKEN')
                    (env SCIROCCO_METRICS=1)
      --metrics-listen HOST:PORT
                    serve the metrics on an address of their own instead,
                    without a token, such as 127.0.0.1:9464
                    (env SCIROCCO_METRICS_LISTEN)
  -v, --verbose     log one line per request to stderr (never a header)
  -h, --help        show this help

Slow clients (DURATION: 500ms, 10s, 2m, or milliseconds):
      --headers-timeout DURATION     time to send a request's headers, then
                                     408 and close (env SCIROCCO_HEADERS_TIMEOUT,
                                     default 10s)
      --request-timeout DURATION     time to send a whole request, body
                                     included (env SCIROCCO_REQUEST_TIMEOUT,
                                     default 30s)
      --keep-alive-timeout DURATION  idle time between requests on a kept-alive
                                     connection (env SCIROCCO_KEEP_ALIVE_TIMEOUT,
                                     default 5s)
      --max-connections N            connections open at once; more are closed
                                     at once (env SCIROCCO_MAX_CONNECTIONS,
                                     default 1000)

Limits (environment only, as in the original server):
  SCIROCCO_MAX_KB_SIZE_JSON       largest application/json body in kB (100)
  SCIROCCO_MAX_KB_SIZE_TEXT       largest text/plain body in kB (100)
  SCIROCCO_MAX_KB_SIZE_RAW        largest application/octet-stream body in kB (1000)
  SCIROCCO_MAX_GET_ALL_MESSAGES   default and maximum list limit (100)

Flags win over environment variables.
Exit codes: 0 stopped by a signal, 1 could not start, 2 usage error.
`;

function parsePort(text: string, from: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535) {
    throw new UsageError(`${from} must be a port number from 0 to 65535, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

type ConnectionOptions = Pick<
  ServerOptions,
  | 'headersTimeoutMs'
  | 'requestTimeoutMs'
  | 'keepAliveTimeoutMs'
  | 'maxConnections'
  | 'processingTimeoutMs'
  | 'retainProcessedMs'
  | 'maxWaitingPerNode'
  | 'maxPullWaitMs'
>;

const CONNECTION_FLAGS = [
  ['headers-timeout', 'SCIROCCO_HEADERS_TIMEOUT', 'headersTimeoutMs'],
  ['request-timeout', 'SCIROCCO_REQUEST_TIMEOUT', 'requestTimeoutMs'],
  ['keep-alive-timeout', 'SCIROCCO_KEEP_ALIVE_TIMEOUT', 'keepAliveTimeoutMs'],
  ['max-connections', 'SCIROCCO_MAX_CONNECTIONS', 'maxConnections'],
  ['processing-timeout', 'SCIROCCO_PROCESSING_TIMEOUT', 'processingTimeoutMs'],
  ['retain-processed', 'SCIROCCO_RETAIN_PROCESSED', 'retainProcessedMs'],
  ['max-waiting', 'SCIROCCO_MAX_WAITING', 'maxWaitingPerNode'],
  ['max-pull-wait', 'SCIROCCO_MAX_PULL_WAIT', 'maxPullWaitMs'],
] as const;

/** The slow-client limits from their flags, or else their environment variables. */
function connectionOptions(
  values: Readonly<Record<string, unknown>>,
  env: CommandIo['env'],
): ConnectionOptions {
  const options: { -readonly [K in keyof ConnectionOptions]: number } = {};
  for (const [flag, variable, key] of CONNECTION_FLAGS) {
    const fromFlag = values[flag] as string | undefined;
    const text = fromFlag ?? (env[variable] || undefined);
    if (text === undefined) continue;
    const from = fromFlag === undefined ? variable : `--${flag}`;
    const value =
      key === 'maxConnections' || key === 'maxWaitingPerNode'
        ? /^\d+$/.test(text)
          ? Number(text)
          : undefined
        : key === 'retainProcessedMs' && text === 'forever'
          ? Infinity
          : key === 'maxPullWaitMs' && text === 'off'
            ? 0
            : parseDuration(text);
    if (value === undefined || (value <= 0 && key !== 'maxPullWaitMs')) {
      const expected =
        key === 'maxConnections' || key === 'maxWaitingPerNode'
          ? 'a positive whole number'
          : `a duration such as 10s or 500ms${key === 'maxPullWaitMs' ? ', or off' : ''}`;
      throw new UsageError(`${from} must be ${expected}, got ${JSON.stringify(text)}`);
    }
    options[key] = value;
  }
  return options;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

interface ServeSettings {
  readonly port: number;
  readonly host: string;
  readonly token: string;
  readonly verbose: boolean;
  readonly plain: boolean;
  readonly cors: CorsOrigins | undefined;
  readonly connections: ConnectionOptions;
  readonly store: string;
  readonly console: boolean;
  readonly metrics: ServerOptions['metrics'];
}

const isOn = (text: string | undefined) => text !== undefined && ['1', 'true', 'yes', 'on'].includes(text);

/** `HOST:PORT` (`[::1]:9464` for IPv6), or a usage error naming `from`. */
function parseListen(text: string, from: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  if (!match || host === undefined) {
    throw new UsageError(`${from} must be HOST:PORT, such as 127.0.0.1:9464, got ${JSON.stringify(text)}`);
  }
  return { host, port: parsePort(match[3] ?? '', from) };
}

function corsOrigins(values: readonly string[], { corsPolicy }: Server): CorsOrigins | undefined {
  const origins = values
    .flatMap((value) => value.split(','))
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  if (origins.length === 0) return undefined;
  const cors = origins.includes('*') ? '*' : origins;
  corsPolicy(cors); // a malformed origin is a usage error, before anything starts
  return cors;
}

const SERVE_OPTIONS = {
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  token: { type: 'string' },
  cors: { type: 'string', multiple: true },
  store: { type: 'string' },
  verbose: { type: 'boolean', short: 'v', default: false },
  plain: { type: 'boolean', default: false },
  console: { type: 'boolean', default: false },
  metrics: { type: 'boolean', default: false },
  'metrics-listen': { type: 'string' },
  ...Object.fromEntries(CONNECTION_FLAGS.map(([flag]) => [flag, { type: 'string' } as const])),
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The flags as given: parsed before the server's modules load, so that `--help` needs none. */
function parseFlags(args: readonly string[]) {
  return parseArguments({ args: [...args], options: SERVE_OPTIONS, allowPositionals: false }).values;
}

/** The metrics: on a listener of their own, on the server's port, or none. */
function metricsOption(
  values: ReturnType<typeof parseFlags>,
  env: CommandIo['env'],
): ServerOptions['metrics'] {
  const listen = values['metrics-listen'];
  if (listen !== undefined) return parseListen(listen, '--metrics-listen');
  if (values.metrics) return true;
  if (env.SCIROCCO_METRICS_LISTEN) return parseListen(env.SCIROCCO_METRICS_LISTEN, 'SCIROCCO_METRICS_LISTEN');
  return isOn(env.SCIROCCO_METRICS) ? true : undefined;
}

function readSettings(
  values: ReturnType<typeof parseFlags>,
  env: CommandIo['env'],
  server: Server,
): ServeSettings {
  if (values.token === '') throw new UsageError('--token must not be empty');
  const port =
    values.port !== undefined
      ? parsePort(values.port, '--port')
      : env.SCIROCCO_PORT
        ? parsePort(env.SCIROCCO_PORT, 'SCIROCCO_PORT')
        : 8000;
  const token = values.token ?? (env.SCIROCCO_MASTER_TOKEN || server.DEFAULT_TOKEN);
  return {
    port,
    host: values.host ?? (env.SCIROCCO_HOST || '127.0.0.1'),
    token,
    verbose: values.verbose,
    plain: values.plain,
    cors: corsOrigins(values.cors ?? (env.SCIROCCO_CORS ? [env.SCIROCCO_CORS] : []), server),
    connections: connectionOptions(values, env),
    store: values.store ?? (env.SCIROCCO_STORE || 'memory'),
    console: values.console || isOn(env.SCIROCCO_CONSOLE),
    metrics: metricsOption(values, env),
  };
}

/**
 * Runs `scirocco serve`: starts the server and resolves, with the exit code, once a signal has
 * stopped it (or at once when it cannot start).
 */
export async function serveCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { signals } = io;
  const flags = parseFlags(args);
  if (flags.help) {
    io.stdout(SERVE_HELP);
    return EXIT.ok;
  }
  const modules = await loadServer();
  const { DEFAULT_TOKEN, startServer } = modules;
  let settings: ServeSettings;
  let limits;
  try {
    settings = readSettings(flags, io.env, modules);
    limits = modules.limitsFromEnv(io.env);
  } catch (error) {
    throw error instanceof UsageError ? error : new UsageError((error as Error).message);
  }
  if (settings.token === DEFAULT_TOKEN && !isLoopback(settings.host)) {
    io.stderr(`warning: serving on ${settings.host} with the default token; set SCIROCCO_MASTER_TOKEN\n`);
  }
  let store: MessageStore;
  try {
    store = await modules.openStore(settings.store);
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    io.stderr(`scirocco serve: cannot open the store: ${(error as Error).message}\n`);
    return EXIT.failed;
  }
  let server: RunningServer;
  try {
    server = await startServer({
      store,
      port: settings.port,
      host: settings.host,
      token: settings.token,
      limits,
      ...settings.connections,
      ...(settings.plain ? { plain: true } : {}),
      ...(settings.console ? { console: true } : {}),
      ...(settings.metrics === undefined ? {} : { metrics: settings.metrics }),
      ...(settings.cors === undefined ? {} : { cors: settings.cors }),
      ...(settings.verbose
        ? {
            log: (line: string) => {
              io.stderr(`${line}\n`);
            },
          }
        : {}),
    });
  } catch (error) {
    await store.close?.();
    // startServer checks its options before it listens: a bad combination is a usage error.
    if (error instanceof RangeError || error instanceof TypeError) {
      throw new UsageError(
        CONNECTION_FLAGS.reduce(
          (message, [flag, , key]) => message.replaceAll(key, `--${flag}`),
          error.message,
        ),
      );
    }
    io.stderr(
      `scirocco serve: cannot listen on ${settings.host}:${settings.port}: ${(error as Error).message}\n`,
    );
    return EXIT.failed;
  }
  io.stdout(`listening on ${server.url}\n`);
  if (server.consoleUrl !== undefined) io.stderr(`console: ${server.consoleUrl}\n`);
  if (server.metricsUrl !== undefined) io.stderr(`metrics: ${server.metricsUrl}\n`);
  io.stderr(
    settings.store === 'memory' || settings.store === 'memory:'
      ? 'store: memory (messages are lost when the server stops; keep them with --store sqlite:./scirocco.db)\n'
      : `store: ${modules.describeStore(settings.store)}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      signals.off('SIGINT', stop);
      signals.off('SIGTERM', stop);
      resolve();
    };
    signals.on('SIGINT', stop);
    signals.on('SIGTERM', stop);
  });
  await server.close();
  return EXIT.ok;
}
