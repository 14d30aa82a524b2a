import {
  MESSAGE_COLUMNS,
  messageOfRow,
  STATUS_GROUPS_SQL,
  statusGroupOfRow,
  timeColumns,
  type MessageRow,
  type StatusGroupRow,
} from './message-row.js';
import { postgresDueChannel } from './postgres-due-channel.js';
import { batchCalls } from './batch-calls.js';
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
export const MIGRATIONS: readonly string[] = [
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
  // 4: the id as the primary key, and no index of seq alone: a claim and an ack write a new
  // version of the row, with an entry in every index it belongs to, and seq's was one per write
  // that no query needs (the lists read seq through the indexes by source and by destination).
  `ALTER TABLE messages DROP CONSTRAINT messages_pkey, DROP CONSTRAINT messages_id_key,
     ADD CONSTRAINT messages_pkey PRIMARY KEY (id);`,
  // 5: the trace context of the push (the trace-context extension).
  `ALTER TABLE messages ADD COLUMN trace_parent TEXT;`,
];

/**
 * The settings of every connection of the store. READ COMMITTED pinned, whatever the database's
 * default: SKIP LOCKED claims rely on it. No bitmap scans: with the statistics of a table that was
 * empty (a burst of pushes before autovacuum analyzes it), the planner took a claim for a bitmap
 * scan of every waiting message and a sort — 37 ms a claim at 100,000 waiting, against 0.1 ms
 * through the index of the waiting messages, in its order. None of the store's queries needs one.
 */
export const SESSION_SETTINGS = '-c default_transaction_isolation=read\\ committed -c enable_bitmapscan=off';

/**
 * A claim: it locks up to $3 of the oldest messages due for $1 at $2 (skipping the ones other
 * claims hold) and marks them `processing`.
 */
export const CLAIM_SQL = `WITH next AS (
         SELECT id AS next_id FROM messages
         WHERE node_destination = $1 AND ${WAITING} AND (status = 'pending' OR scheduled_time <= $2)
         ORDER BY position LIMIT $3
         FOR UPDATE SKIP LOCKED
       )
       UPDATE messages SET status = 'processing', tries = tries + 1, processing_time = $2, update_time = $2
       FROM next WHERE messages.id = next.next_id
       RETURNING ${COLUMNS}, position`;

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
 * claim and ack is committed before the server answers it; the ones that arrive together share
 * a statement and a commit (group commit: one wait for the disk for many). The schema is created
 * or migrated at start, one instance at a time (an advisory lock).
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
    options: `${SESSION_SETTINGS} -c search_path=${schema}`,
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

  const batched = batchedWrites(pool);
  const channel = postgresDueChannel(pg, pool, options.url, schema);
  /** Tells the servers that wait on the others' pushes of the messages that came back here. */
  const told = <T>(destination: string | undefined, found: T): T => {
    if (found !== undefined && found !== 0) channel.notify(destination);
    return found;
  };

  return {
    insert: async (message) => {
      await batched.insert(message);
      channel.notify(message.nodeDestination);
    },
    claimNextDue: async (destination, now) =>
      (await batched.claim({ destination, now: now.getTime(), max: 1 }))[0],
    claimDue: (destination, now, max) => batched.claim({ destination, now: now.getTime(), max }),
    ack: (id, destination, now) => batched.ack({ id, destination, now: now.getTime() }),
    nack: async (id, destination, now, dueAt) =>
      told(
        destination,
        await one(
          `UPDATE messages SET
           status = CASE WHEN $4::bigint > $3::bigint THEN 'scheduled' ELSE 'pending' END,
           scheduled_time = CASE WHEN $4::bigint > $3::bigint THEN $4::bigint ELSE scheduled_time END,
           update_time = $3, position = nextval('messages_position')
         WHERE id = $1 AND node_destination = $2 AND status = 'processing' RETURNING ${COLUMNS}`,
          [id, destination, now.getTime(), dueAt?.getTime() ?? 0],
        ),
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
      return told(undefined, Number(result.rows[0]?.n ?? 0));
    },
    deleteProcessed: (before, limit) =>
      changes(
        `DELETE FROM messages WHERE id IN (
           SELECT id FROM messages WHERE status = 'processed' AND processed_time <= $1
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
    nextDue: async (destination, now) => {
      // Pending ones are due at once (0): only when all are scheduled is a time in the future.
      const result = await pool.query<{ at: string | null }>(
        `SELECT min(CASE WHEN status = 'pending' THEN 0 ELSE scheduled_time END) AS at
         FROM messages WHERE node_destination = $1 AND ${WAITING}`,
        [destination],
      );
      const at = result.rows[0]?.at;
      return at === null || at === undefined ? undefined : new Date(Math.max(Number(at), now.getTime()));
    },
    watchDue: (listener) => channel.watch(listener),
    get: (id, node) =>
      one(`SELECT ${COLUMNS} FROM messages WHERE id = $1 AND (node_source = $2 OR node_destination = $2)`, [
        id,
        node,
      ]),
    list: async (node, limit, status) => {
      // Without a status, `$3` is NULL and the condition always holds.
      const ofStatus = '($3::text IS NULL OR status = $3)';
      return (
        await pool.query<Row>(
          `SELECT ${COLUMNS} FROM (
             (SELECT seq, ${COLUMNS} FROM messages WHERE node_source = $1 AND ${ofStatus}
              ORDER BY seq LIMIT $2)
             UNION
             (SELECT seq, ${COLUMNS} FROM messages WHERE node_destination = $1 AND ${ofStatus}
              ORDER BY seq LIMIT $2)
           ) AS mine ORDER BY seq LIMIT $2`,
          [node, limit, status ?? null],
        )
      ).rows.map(fromRow);
    },
    statusGroups: async () =>
      (await pool.query<StatusGroupRow>(STATUS_GROUPS_SQL)).rows.map(statusGroupOfRow),
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
    close: () => (ended ??= channel.close().then(() => pool.end())),
  };
}

/** Most calls in one statement of {@link batchedWrites}. */
const MAX_BATCH = 100;

/** Statements of one kind under way at once; the calls made meanwhile form the next one. */
const MAX_IN_FLIGHT = 2;

const fulfilled = <T>(value: T): PromiseSettledResult<T> => ({ status: 'fulfilled', value });

/**
 * Pushes, claims and acks in batches (group commit): the calls made together become one
 * statement, one transaction and one wait for the disk, instead of one each. A lone call is sent
 * at once; while statements run, the next calls gather.
 */
function batchedWrites(pool: import('pg').Pool) {
  const insert = batchCalls<StoredMessage, undefined>({
    maxBatch: MAX_BATCH,
    maxInFlight: MAX_IN_FLIGHT,
    key: (message) => message.id,
    run: async (messages) => {
      const column = (pick: (message: StoredMessage) => unknown) => messages.map(pick);
      const times = messages.map(timeColumns);
      const result = await pool.query<{ id: string }>({
        name: 'scirocco_insert',
        text: `INSERT INTO messages (${COLUMNS})
         SELECT id, node_source, node_destination, status, tries, payload_type, payload_kind, payload,
           created_time, scheduled_time, processing_time, processed_time, update_time, trace_parent
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[],
           $8::bytea[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[],
           $14::text[])
           WITH ORDINALITY AS given(id, node_source, node_destination, status, tries, payload_type,
             payload_kind, payload, created_time, scheduled_time, processing_time, processed_time,
             update_time, trace_parent, n)
         ORDER BY n
         ON CONFLICT (id) DO NOTHING
         RETURNING id`,
        values: [
          column((m) => m.id),
          column((m) => m.nodeSource),
          column((m) => m.nodeDestination),
          column((m) => m.status),
          column((m) => m.tries),
          column((m) => m.payloadType),
          column((m) => m.payload.kind),
          column((m) => bytesOf(m.payload)),
          ...[0, 1, 2, 3, 4].map((t) => times.map((row) => row[t] ?? null)),
          column((m) => m.traceParent ?? null),
        ],
      });
      const saved = new Set(result.rows.map((row) => row.id));
      return messages.map((message) =>
        saved.has(message.id)
          ? fulfilled(undefined)
          : { status: 'rejected', reason: new Error(`postgres: a message with id ${message.id} exists`) },
      );
    },
  });

  interface Claim {
    readonly destination: string;
    readonly now: number;
    readonly max: number;
  }
  // The claims of one destination and one time are one statement: it locks as many of the
  // oldest due messages as the claims want in all, and deals them out oldest first, in the order
  // of the calls.
  const claimSome = async (destination: string, now: number, count: number) => {
    const result = await pool.query<Row & { position: string }>({
      name: 'scirocco_claim',
      text: CLAIM_SQL,
      values: [destination, now, count],
    });
    return result.rows.sort((a, b) => Number(a.position) - Number(b.position)).map(fromRow);
  };
  const claim = batchCalls<Claim, readonly StoredMessage[]>({
    maxBatch: MAX_BATCH,
    maxInFlight: MAX_IN_FLIGHT,
    run: async (claims) => {
      const groups = new Map<string, number[]>();
      claims.forEach((one, n) => {
        const key = JSON.stringify([one.destination, one.now]);
        groups.set(key, [...(groups.get(key) ?? []), n]);
      });
      const outcomes: PromiseSettledResult<readonly StoredMessage[]>[] = [];
      await Promise.all(
        [...groups.values()].map(async (indexes) => {
          const calls = indexes.map((n) => claims[n] as Claim);
          const [first] = calls;
          if (first === undefined) return;
          try {
            const claimed = await claimSome(
              first.destination,
              first.now,
              calls.reduce((sum, one) => sum + one.max, 0),
            );
            indexes.forEach((n, k) => {
              outcomes[n] = fulfilled(claimed.splice(0, calls[k]?.max ?? 0));
            });
          } catch (reason) {
            for (const n of indexes) outcomes[n] = { status: 'rejected', reason };
          }
        }),
      );
      return outcomes;
    },
  });

  interface Ack {
    readonly id: string;
    readonly destination: string;
    readonly now: number;
  }
  // The rows are locked in one order (by id), so that two batches never wait for each other.
  const ack = batchCalls<Ack, StoredMessage | undefined>({
    maxBatch: MAX_BATCH,
    maxInFlight: MAX_IN_FLIGHT,
    key: (one) => one.id,
    run: async (acks) => {
      const result = await pool.query<Row>({
        name: 'scirocco_ack',
        text: `WITH given AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) AS given(ack_id, ack_destination, ack_now)
         ), target AS (
           SELECT messages.id AS target_id, given.ack_now FROM messages
           JOIN given ON messages.id = given.ack_id AND messages.node_destination = given.ack_destination
           WHERE messages.status = 'processing'
           ORDER BY messages.id
           FOR UPDATE OF messages
         )
         UPDATE messages SET status = 'processed', processed_time = target.ack_now
         FROM target WHERE messages.id = target.target_id
         RETURNING ${COLUMNS}`,
        values: [acks.map((one) => one.id), acks.map((one) => one.destination), acks.map((one) => one.now)],
      });
      const acked = new Map(result.rows.map((row) => [row.id, fromRow(row)]));
      return acks.map((one) => fulfilled(acked.get(one.id)));
    },
  });
  return { insert, claim, ack };
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
