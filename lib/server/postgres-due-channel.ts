import { randomUUID } from 'node:crypto';

type PgModule = typeof import('pg');

/** The channel every PostgreSQL store notifies on; a payload names the schema it is about. */
const CHANNEL = 'scirocco_due';

/** How long notifications gather before they are sent together. */
const COALESCE_MS = 5;

/** How long a lost listening connection waits before it connects again. */
const RECONNECT_MS = 1_000;

/** What {@link postgresDueChannel} gives a store. */
export interface PostgresDueChannel {
  /** Messages of `destination` (`undefined`: of any) may have become due here: tell the others. */
  notify(destination: string | undefined): void;
  /** Hears the others' notifications (never this store's own); returns what stops it. */
  watch(listener: (destination: string | undefined) => void): () => void;
  /** Stops listening and sends what is left. */
  close(): Promise<void>;
}

/**
 * LISTEN/NOTIFY between the servers that share one PostgreSQL schema, so that a push to one
 * wakes the pulls that wait on another. Nothing is sent until something listens here (a server
 * that long-polls): notifications of one destination within a few milliseconds are coalesced
 * into one, and those of all destinations into one statement, so that a busy queue costs a
 * statement every few milliseconds, not one per push. A lost connection is made again after a
 * second; meanwhile, waiting pulls see the others' messages when their wait ends.
 */
export function postgresDueChannel(
  pg: PgModule,
  pool: import('pg').Pool,
  url: string,
  schema: string,
): PostgresDueChannel {
  const instance = randomUUID();
  const listeners = new Set<(destination: string | undefined) => void>();
  const pending = new Set<string>();
  let flushing: NodeJS.Timeout | undefined;
  let sent: Promise<unknown> = Promise.resolve();
  let client: import('pg').Client | undefined;
  let reconnect: NodeJS.Timeout | undefined;
  let closed = false;

  const flush = () => {
    flushing = undefined;
    if (pending.size === 0) return;
    const payloads = [...pending].map((destination) => `${schema} ${instance} ${destination}`);
    pending.clear();
    sent = pool
      .query('SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload', [CHANNEL, payloads])
      .catch(() => undefined);
  };

  const hear = (message: { channel: string; payload?: string | undefined }) => {
    if (message.channel !== CHANNEL) return;
    const [from, sender, destination] = (message.payload ?? '').split(' ');
    if (from !== schema || sender === instance || destination === undefined) return;
    for (const listener of listeners) listener(destination === '*' ? undefined : destination);
  };

  const connect = () => {
    reconnect = undefined;
    if (closed || listeners.size === 0 || client) return;
    const next = new pg.Client({ connectionString: url });
    client = next;
    const lost = () => {
      if (client !== next) return;
      client = undefined;
      next.removeAllListeners('notification');
      void next.end().catch(() => undefined);
      if (!closed) reconnect ??= setTimeout(connect, RECONNECT_MS).unref();
    };
    next.on('notification', hear);
    next.on('error', lost);
    next.on('end', lost);
    next
      .connect()
      .then(() => next.query(`LISTEN ${CHANNEL}`))
      .catch(lost);
  };

  return {
    notify(destination) {
      if (listeners.size === 0 || closed) return;
      pending.add(destination ?? '*');
      flushing ??= setTimeout(flush, COALESCE_MS);
    },
    watch(listener) {
      listeners.add(listener);
      connect();
      return () => {
        listeners.delete(listener);
      };
    },
    async close() {
      closed = true;
      if (reconnect) clearTimeout(reconnect);
      if (flushing) clearTimeout(flushing);
      flush();
      await sent;
      const last = client;
      client = undefined;
      await last?.end().catch(() => undefined);
    },
  };
}
