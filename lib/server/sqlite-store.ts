import {
  MESSAGE_COLUMNS,
  messageOfRow,
  STATUS_GROUPS_SQL,
  statusGroupOfRow,
  timeColumns,
  type MessageRow,
  type StatusGroupRow,
} from './message-row.js';
import type { MessageStore, StoredMessage, StoredPayload } from './message-store.js';
import { batchCalls } from './batch-calls.js';
import { loadDriver } from './load-driver.js';

/**
 * Options of {@link createSqliteStore}.
 *
 * @example
 * ```ts
 * import type { SqliteStoreOptions } from 'scirocco-rx/server';
 *
 * const options: SqliteStoreOptions = { path: './queue.db', synchronous: 'FULL' };
 * ```
 */
export interface SqliteStoreOptions {
  /** The database file, created if missing; `:memory:` for a database that lives with the process. */
  readonly path: string;
  /**
   * How often SQLite waits for the disk (`PRAGMA synchronous`, with the write-ahead log). `NORMAL`
   * loses nothing when the process dies (`kill -9`, a crash): a commit is in the log before the
   * push is answered. A power cut or an operating system crash can lose the last commits before
   * the log was synced (a push or an ack that was answered). `FULL` syncs the log at every commit,
   * which survives those too, at the cost of a disk flush per commit (a group of the writes
   * that arrived together).
   * @default 'NORMAL'
   */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /** How long a statement waits for another process's lock before it fails, in ms. @default 5000 */
  readonly busyTimeoutMs?: number;
}

interface Row extends MessageRow {
  readonly payload: string | Uint8Array;
}

/** The SQL a store of this schema runs: the queue's rules (see `queueRules`) in its statements. */
const WAITING = `status IN ('pending', 'scheduled')`;
const DUE = `(status = 'pending' OR (status = 'scheduled' AND scheduled_time <= @now))`;
const COLUMNS = MESSAGE_COLUMNS;

const MIGRATIONS: readonly string[] = [
  // 1: the messages, in insertion order (seq), with the indexes of a claim (waiting messages of a
  // destination, oldest first), of a list (by source and by destination) and of the ids.
  `CREATE TABLE messages (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     node_source TEXT NOT NULL,
     node_destination TEXT NOT NULL,
     status TEXT NOT NULL,
     tries INTEGER NOT NULL,
     payload_type TEXT NOT NULL,
     payload_kind TEXT NOT NULL,
     payload BLOB NOT NULL,
     created_time INTEGER NOT NULL,
     scheduled_time INTEGER,
     processing_time INTEGER,
     processed_time INTEGER,
     update_time INTEGER
   );
   CREATE INDEX messages_waiting ON messages (node_destination, seq) WHERE ${WAITING};
   CREATE INDEX messages_by_source ON messages (node_source, seq);
   CREATE INDEX messages_by_destination ON messages (node_destination, seq);`,
  // 2: the order of claims apart from the order of creation (position), so that a message given
  // back (nack, a processing timeout) goes to the back of its destination's queue; an index of
  // the processing messages by claim time, for the timeout's sweep.
  `ALTER TABLE messages ADD COLUMN position INTEGER;
   UPDATE messages SET position = seq;
   CREATE INDEX messages_position ON messages (position);
   DROP INDEX messages_waiting;
   CREATE INDEX messages_waiting ON messages (node_destination, position) WHERE ${WAITING};
   CREATE INDEX messages_processing ON messages (processing_time) WHERE status = 'processing';`,
  // 3: an index of the processed messages by time, for retention.
  `CREATE INDEX messages_processed ON messages (processed_time) WHERE status = 'processed';`,
  // 4: the trace context of the push (the trace-context extension).
  `ALTER TABLE messages ADD COLUMN trace_parent TEXT;`,
];

const NEXT_POSITION = `(SELECT coalesce(max(position), 0) + 1 FROM messages)`;

function fromRow(row: Row): StoredMessage {
  return messageOfRow(
    row,
    row.payload_kind === 'bytes'
      ? { kind: 'bytes', value: new Uint8Array(row.payload as Uint8Array) }
      : { kind: row.payload_kind, value: String(row.payload) },
  );
}

const payloadValue = (payload: StoredPayload) =>
  payload.kind === 'bytes'
    ? Buffer.from(payload.value.buffer, payload.value.byteOffset, payload.value.byteLength)
    : payload.value;

/**
 * Creates a {@link MessageStore} in a SQLite file, with `better-sqlite3` (an optional peer
 * dependency: `npm install better-sqlite3@^12`), loaded only now. Messages survive a restart and
 * a `kill -9`: each push, claim and ack is committed before the server answers it. The writes
 * that arrive together (in one turn of the event loop) share one `BEGIN IMMEDIATE` transaction
 * and one commit — group commit — and a failing one is undone alone. The file uses the
 * write-ahead log (readers never wait for the writer); a claim is one `UPDATE … RETURNING` in
 * that transaction, so that two processes on one file never claim the same message, and finds
 * its message through an index of the waiting messages of its destination, so its cost does not
 * grow with the processed messages kept. The schema is created, or migrated from an older
 * version, at open.
 *
 * @param options - the file, and how often to wait for the disk.
 * @returns the store, open; `close()` closes the database.
 *
 * @example
 * ```ts
 * import { createSqliteStore, startServer } from 'scirocco-rx/server';
 *
 * const server = await startServer({ store: await createSqliteStore({ path: './queue.db' }) });
 * await server.close(); // closes the database too
 * ```
 */
export async function createSqliteStore(options: SqliteStoreOptions): Promise<MessageStore> {
  const Database = await loadDriver<typeof import('better-sqlite3')>('better-sqlite3', 'sqlite:', '^12');
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
  db.pragma(`busy_timeout = ${String(options.busyTimeoutMs ?? 5_000)}`);
  migrate(db);

  const statement = (sql: string) => db.prepare(sql);
  const insert = statement(
    `INSERT INTO messages (${COLUMNS}, position) VALUES (@id, @nodeSource, @nodeDestination, @status, @tries,
       @payloadType, @payloadKind, @payload, @createdTime, @scheduledTime, @processingTime,
       @processedTime, @updateTime, @traceParent, ${NEXT_POSITION})`,
  );
  const claim = statement(
    `UPDATE messages SET status = 'processing', tries = tries + 1, processing_time = @now, update_time = @now
     WHERE seq IN (SELECT seq FROM messages WHERE node_destination = @destination AND ${WAITING} AND ${DUE}
                   ORDER BY position LIMIT @max)
     RETURNING ${COLUMNS}, position`,
  );
  const claimDue = (destination: string, now: Date, max: number) =>
    written(() => claim.all({ destination, now: now.getTime(), max }) as (Row & { position: number })[]).then(
      (rows) => rows.sort((a, b) => a.position - b.position).map(fromRow),
    );
  const ack = statement(
    `UPDATE messages SET status = 'processed', processed_time = @now
     WHERE id = @id AND node_destination = @destination AND status = 'processing' RETURNING ${COLUMNS}`,
  );
  const nack = statement(
    `UPDATE messages SET
       status = CASE WHEN @dueAt > @now THEN 'scheduled' ELSE 'pending' END,
       scheduled_time = CASE WHEN @dueAt > @now THEN @dueAt ELSE scheduled_time END,
       update_time = @now, position = ${NEXT_POSITION}
     WHERE id = @id AND node_destination = @destination AND status = 'processing' RETURNING ${COLUMNS}`,
  );
  const recover = statement(
    `UPDATE messages SET status = 'pending', update_time = @now, position = ${NEXT_POSITION} + seq
     WHERE status = 'processing' AND processing_time <= @before`,
  );
  const expire = statement(
    `DELETE FROM messages WHERE seq IN (
       SELECT seq FROM messages WHERE status = 'processed' AND processed_time <= @before
       ORDER BY processed_time LIMIT @limit)`,
  );
  const get = statement(
    `SELECT ${COLUMNS} FROM messages WHERE id = @id AND (node_source = @node OR node_destination = @node)`,
  );
  const list = statement(
    `SELECT ${COLUMNS} FROM messages WHERE seq IN (
       SELECT seq FROM (SELECT seq FROM messages WHERE node_source = @node ORDER BY seq LIMIT @limit)
       UNION
       SELECT seq FROM (SELECT seq FROM messages WHERE node_destination = @node ORDER BY seq LIMIT @limit)
     ) ORDER BY seq LIMIT @limit`,
  );
  const listOfStatus = statement(
    `SELECT ${COLUMNS} FROM messages WHERE seq IN (
       SELECT seq FROM (SELECT seq FROM messages WHERE node_source = @node AND status = @status
         ORDER BY seq LIMIT @limit)
       UNION
       SELECT seq FROM (SELECT seq FROM messages WHERE node_destination = @node AND status = @status
         ORDER BY seq LIMIT @limit)
     ) ORDER BY seq LIMIT @limit`,
  );
  const statusGroups = statement(STATUS_GROUPS_SQL);
  const update = statement(
    `UPDATE messages SET payload_kind = @kind, payload = @payload, update_time = @now
     WHERE id = @id AND node_source = @source AND ${WAITING} RETURNING ${COLUMNS}`,
  );
  const deleteOne = statement(`DELETE FROM messages WHERE id = @id AND node_source = @source AND ${WAITING}`);
  const deleteMine = statement(`DELETE FROM messages WHERE node_source = @source AND ${WAITING}`);
  const wipe = statement(`DELETE FROM messages`);
  const waiting = statement(
    `SELECT COUNT(*) AS n FROM messages WHERE node_destination = @destination AND ${WAITING}`,
  );

  // Pending ones are due at once (0): only when all are scheduled is a time in the future.
  const nextDue = statement(
    `SELECT min(CASE WHEN status = 'pending' THEN 0 ELSE scheduled_time END) AS at
     FROM messages WHERE node_destination = @destination AND ${WAITING}`,
  );

  const row = (found: unknown) => (found === undefined ? undefined : fromRow(found as Row));
  const times = (message: StoredMessage) => {
    const [createdTime, scheduledTime, processingTime, processedTime, updateTime] = timeColumns(message);
    return { createdTime, scheduledTime, processingTime, processedTime, updateTime };
  };
  // Reads run at once: each call is synchronous, so none interleaves with another in this
  // process. (A throw in `work` rejects: the Promise constructor catches it.)
  const read = <T>(work: () => T): Promise<T> =>
    new Promise((resolve) => {
      resolve(work());
    });
  // Writes are committed in groups: the ones of one turn of the event loop share a `BEGIN
  // IMMEDIATE` transaction (the file's lock keeps other processes out of it) and one commit, and
  // each is answered after that commit. A statement that fails is undone alone (SQLite's ABORT);
  // an error that ends the transaction fails the whole group, since none of it was committed.
  const write = batchCalls<() => unknown, unknown>({
    maxBatch: 256,
    maxInFlight: 1,
    run: (works) => {
      db.exec('BEGIN IMMEDIATE');
      const outcomes: PromiseSettledResult<unknown>[] = [];
      for (const work of works) {
        try {
          outcomes.push({ status: 'fulfilled', value: work() });
        } catch (reason) {
          if (!db.inTransaction) throw reason;
          outcomes.push({ status: 'rejected', reason });
        }
      }
      try {
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
      return outcomes;
    },
  });
  const written = <T>(work: () => T) => write(work) as Promise<T>;
  let closing: Promise<void> | undefined;

  return {
    insert: async (message) => {
      await written(() =>
        insert.run({
          id: message.id,
          nodeSource: message.nodeSource,
          nodeDestination: message.nodeDestination,
          status: message.status,
          tries: message.tries,
          payloadType: message.payloadType,
          payloadKind: message.payload.kind,
          payload: payloadValue(message.payload),
          ...times(message),
          traceParent: message.traceParent ?? null,
        }),
      );
    },
    claimNextDue: async (destination, now) => (await claimDue(destination, now, 1))[0],
    claimDue,
    ack: async (id, destination, now) =>
      row(await written(() => ack.get({ id, destination, now: now.getTime() }))),
    nack: async (id, destination, now, dueAt) =>
      row(
        await written(() => nack.get({ id, destination, now: now.getTime(), dueAt: dueAt?.getTime() ?? 0 })),
      ),
    recoverStuck: (before, now) =>
      written(() => recover.run({ before: before.getTime(), now: now.getTime() }).changes),
    deleteProcessed: (before, limit) =>
      written(() => expire.run({ before: before.getTime(), limit }).changes),
    nextDue: (destination, now) =>
      read(() => {
        const { at } = nextDue.get({ destination }) as { at: number | null };
        return at === null ? undefined : new Date(Math.max(at, now.getTime()));
      }),
    countWaiting: (destination) => read(() => (waiting.get({ destination }) as { n: number }).n),
    get: (id, node) => read(() => row(get.get({ id, node }))),
    list: (node, limit, status) =>
      read(() =>
        (status === undefined ? list.all({ node, limit }) : listOfStatus.all({ node, limit, status })).map(
          (found) => fromRow(found as Row),
        ),
      ),
    statusGroups: () => read(() => (statusGroups.all() as StatusGroupRow[]).map(statusGroupOfRow)),
    updatePayload: async (id, source, payload, now) =>
      row(
        await written(() =>
          update.get({ id, source, kind: payload.kind, payload: payloadValue(payload), now: now.getTime() }),
        ),
      ),
    deleteOne: (id, source) => written(() => deleteOne.run({ id, source }).changes),
    deleteMine: (source) => written(() => deleteMine.run({ source }).changes),
    wipe: () => written(() => wipe.run().changes),
    // After the writes already made: each of them is committed (or failed) first.
    close: () =>
      (closing ??= written(() => undefined).then(() => {
        db.close();
      })),
  };
}

/** Brings the file's schema to the latest version (`user_version`), one migration per transaction. */
function migrate(db: import('better-sqlite3').Database): void {
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > MIGRATIONS.length) {
    throw new Error(
      `sqlite: the file's schema is version ${String(current)}, newer than this server's ${String(MIGRATIONS.length)}: upgrade scirocco-rx`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] ?? '');
      db.pragma(`user_version = ${String(version + 1)}`);
    }).immediate();
  }
}
