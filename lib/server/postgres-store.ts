import { MESSAGE_COLUMNS, messageOfRow, timeColumns, type MessageRow } from './message-row.js';
import { loadDriver } from './load-driver.js';
import type { MessageStore, StoredMessage, StoredPayload } from './message-store.js';

/**
 * Options of {@link createPostgresStore}.
 *
 * @example
 * ```ts
 * import type { PostgresStoreOptions } from 'scirocco-rx/server';
 *
 * const options: PostgresStoreOptions = { url: 'postgres://scirocco@db.internal/queue', schema: 'scirocco', poolSize: 20 };
 * ```
 */
export interface PostgresStoreOptions {
  /** A PostgreSQL connection URL, such as `postgres://USER:PASSWORD@HOST:5432/DB`. */
  readonly url: string;
  /** The schema that holds the store's tables, created if missing. @default 'public' */
  readonly schema?: string;
  /** Most connections this server opens. @default 10 */
  readonly poolSize?: number;
}

type PgModule = typeof import('pg');

interface Row extends MessageRow {
  readonly payload: Uint8Array;
}

const WAITING = `status IN ('pending', 'scheduled')`;
const COLUMNS = MESSAGE_COLUMNS;

/**
 * The schema, one migration per version. Times are milliseconds since the epoch, as the
 * protocol's; every payload is bytes (text as UTF-8), since a TEXT column refuses a NUL character
 * that a text/plain payload may hold.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE messages (
     seq BIGSERIAL PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     node_source TEXT NOT NULL,
     node_destination TEXT NOT NULL,
     status TEXT NOT NULL,
     tries INTEGER NOT NULL,
     payload_type TEXT NOT NULL,
     payload_kind TEXT NOT NULL,
     payload BYTEA NOT NULL,
     created_time BIGINT NOT NULL,
     scheduled_time BIGINT,
     processing_time BIGINT,
     processed_time BIGINT,
     update_time BIGINT
   );
   CREATE INDEX messages_waiting ON messages (node_destination, seq) WHERE ${WAITING};
   CREATE INDEX messages_by_source ON messages (node_source, seq);
   CREATE INDEX messages_by_destination ON messages (node_destination, seq);`,
  // 2: the order of claims apart from the order of creation (position), so that a message given
  // back (nack, a processing timeout) goes to the back of its destination's queue; an index of
  // the processing messages by claim time, for the timeout's sweep.
  `CREATE SEQUENCE messages_position;
   ALTER TABLE messages ADD COLUMN position BIGINT;
   UPDATE messages SET position = seq;
   SELECT setval('messages_position', coalesce((SELECT max(seq) FROM messages), 0) + 1);
   ALTER TABLE messages ALTER COLUMN position SET DEFAULT nextval('messages_position');
   ALTER TABLE messages ALTER COLUMN position SET NOT NULL;
   DROP INDEX messages_waiting;
   CREATE INDEX messages_waiting ON messages (node_destination, position) WHERE ${WAITING};
   CREATE INDEX messages_processing ON messages (processing_time) WHERE status = 'processing';`,
  // 3: an index of the processed messages by time, for retention.
  `CREATE INDEX messages_processed ON messages (processed_time) WHERE status = 'processed';`,
];

/** Only one instance sweeps stuck messages at a time (the others skip their turn). */
const SWEEP_LOCK = 0x5c1_0cc1;

/** A lock key of its own, so that instances starting together migrate one at a time. */
const MIGRATION_LOCK = 0x5c1_0cc0;

function fromRow(row: Row): StoredMessage {
  return messageOfRow(
    row,
    row.payload_kind === 'bytes'
      ? { kind: 'bytes', value: new Uint8Array(row.payload) }
      : { kind: row.payload_kind, value: UTF8_DECODER.decode(row.payload) },
  );
}

const UTF8_DECODER = new TextDecoder();
const UTF8 = new TextEncoder();

const bytesOf = (payload: StoredPayload) => {
  const value = payload.kind === 'bytes' ? payload.value : UTF8.encode(payload.value);
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
};

/**
 * Creates a {@link MessageStore} in PostgreSQL, with `pg` (an optional peer dependency:
 * `npm install pg@^8`), loaded only now: for several server instances behind one load balancer,
 * on a database you already run. A claim is one statement at READ COMMITTED (pinned on every
 * connection): it locks the oldest due message of its destination with `FOR UPDATE SKIP LOCKED`
 * — concurrent claims, from any instance, skip each other's rows instead of waiting — and marks
 * it `processing`, through a partial index of the waiting messages per destination. Each push,
 * claim and ack is committed before the server answers it. The schema is created or migrated at
 * start, one instance at a time (an advisory lock).
 *
 * @param options - the connection URL, the schema and the pool size.
 * @returns the store, connected; `close()` ends its pool.
 *
 * @example
 * ```ts
 * import { createPostgresStore, startServer } from 'scirocco-rx/server';
 *
 * const store = await createPostgresStore({ url: 'postgres://postgres@127.0.0.1:5432/postgres' });
 * const server = await startServer({ store });
 * await server.close(); // ends the pool too
 * ```
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<MessageStore> {
  const pg = await loadDriver<PgModule>('pg', 'postgres:', '^8');
  const schema = options.schema ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new RangeError(`postgres: schema must be a lowercase SQL name, got ${JSON.stringify(schema)}`);
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    // READ COMMITTED pinned, whatever the database's default: SKIP LOCKED claims rely on it.
    options: `-c default_transaction_isolation=read\\ committed -c search_path=${schema}`,
  });
  // An idle connection that the server drops must not crash the process.
  pool.on('error', () => undefined);
  try {
    await migrate(pool, schema);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const one = async (sql: string, values: unknown[]) => {
    const result = await pool.query<Row>(sql, values);
    const [row] = result.rows;
    return row === undefined ? undefined : fromRow(row);
  };
  const changes = async (sql: string, values: unknown[]) => (await pool.query(sql, values)).rowCount ?? 0;
  let ended: Promise<void> | undefined;

  return {
    insert: async (message) => {
      await pool.query(
        `INSERT INTO messages (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [
          message.id,
          message.nodeSource,
          message.nodeDestination,
          message.status,
          message.tries,
          message.payloadType,
          message.payload.kind,
          bytesOf(message.payload),
          ...timeColumns(message),
        ],
      );
    },
    claimNextDue: (destination, now) =>
      one(
        `WITH next AS (
           SELECT seq FROM messages
           WHERE node_destination = $1 AND ${WAITING} AND (status = 'pending' OR scheduled_time <= $2)
           ORDER BY position LIMIT 1
           FOR UPDATE SKIP LOCKED
         )
         UPDATE messages SET status = 'processing', tries = tries + 1, processing_time = $2, update_time = $2
         FROM next WHERE messages.seq = next.seq
         RETURNING ${COLUMNS}`,
        [destination, now.getTime()],
      ),
    ack: (id, destination, now) =>
      one(
        `UPDATE messages SET status = 'processed', processed_time = $3
         WHERE id = $1 AND node_destination = $2 AND status = 'processing' RETURNING ${COLUMNS}`,
        [id, destination, now.getTime()],
      ),
    nack: (id, destination, now, dueAt) =>
      one(
        `UPDATE messages SET
           status = CASE WHEN $4::bigint > $3::bigint THEN 'scheduled' ELSE 'pending' END,
           scheduled_time = CASE WHEN $4::bigint > $3::bigint THEN $4::bigint ELSE scheduled_time END,
           update_time = $3, position = nextval('messages_position')
         WHERE id = $1 AND node_destination = $2 AND status = 'processing' RETURNING ${COLUMNS}`,
        [id, destination, now.getTime(), dueAt?.getTime() ?? 0],
      ),
    recoverStuck: async (before, now) => {
      // One sweep at a time across instances: one that finds the lock taken skips its turn.
      const result = await pool.query<{ n: string }>(
        `WITH swept AS (
           UPDATE messages SET status = 'pending', update_time = $2, position = nextval('messages_position')
           WHERE pg_try_advisory_xact_lock(${String(SWEEP_LOCK)}) AND status = 'processing' AND processing_time <= $1
           RETURNING 1
         ) SELECT count(*) AS n FROM swept`,
        [before.getTime(), now.getTime()],
      );
      return Number(result.rows[0]?.n ?? 0);
    },
    deleteProcessed: (before, limit) =>
      changes(
        `DELETE FROM messages WHERE seq IN (
           SELECT seq FROM messages WHERE status = 'processed' AND processed_time <= $1
           ORDER BY processed_time LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [before.getTime(), limit],
      ),
    countWaiting: async (destination) => {
      const result = await pool.query<{ n: string }>(
        `SELECT COUNT(*) AS n FROM messages WHERE node_destination = $1 AND ${WAITING}`,
        [destination],
      );
      return Number(result.rows[0]?.n ?? 0);
    },
    get: (id, node) =>
      one(`SELECT ${COLUMNS} FROM messages WHERE id = $1 AND (node_source = $2 OR node_destination = $2)`, [
        id,
        node,
      ]),
    list: async (node, limit) =>
      (
        await pool.query<Row>(
          `SELECT ${COLUMNS} FROM messages WHERE seq IN (
             (SELECT seq FROM messages WHERE node_source = $1 ORDER BY seq LIMIT $2)
             UNION
             (SELECT seq FROM messages WHERE node_destination = $1 ORDER BY seq LIMIT $2)
           ) ORDER BY seq LIMIT $2`,
          [node, limit],
        )
      ).rows.map(fromRow),
    updatePayload: (id, source, payload, now) =>
      one(
        `UPDATE messages SET payload_kind = $3, payload = $4, update_time = $5
         WHERE id = $1 AND node_source = $2 AND ${WAITING} RETURNING ${COLUMNS}`,
        [id, source, payload.kind, bytesOf(payload), now.getTime()],
      ),
    deleteOne: (id, source) =>
      changes(`DELETE FROM messages WHERE id = $1 AND node_source = $2 AND ${WAITING}`, [id, source]),
    deleteMine: (source) => changes(`DELETE FROM messages WHERE node_source = $1 AND ${WAITING}`, [source]),
    wipe: () => changes(`DELETE FROM messages`, []),
    close: () => (ended ??= pool.end()),
  };
}

/** Creates the schema, or brings it to the latest version, under an advisory lock. */
async function migrate(pool: import('pg').Pool, schema: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_version (version INTEGER NOT NULL)`);
    const found = await client.query<{ version: number }>(`SELECT version FROM ${schema}.schema_version`);
    const current = found.rows[0]?.version ?? 0;
    if (current > MIGRATIONS.length) {
      throw new Error(
        `postgres: the database's schema is version ${String(current)}, newer than this server's ${String(MIGRATIONS.length)}: upgrade scirocco-rx`,
      );
    }
    for (let version = current; version < MIGRATIONS.length; version++) {
      await client.query(MIGRATIONS[version] ?? '');
    }
    if (current === 0)
      await client.query(`INSERT INTO ${schema}.schema_version VALUES ($1)`, [MIGRATIONS.length]);
    else await client.query(`UPDATE ${schema}.schema_version SET version = $1`, [MIGRATIONS.length]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
