import { describe, expect, it } from 'vitest';
import { openStore } from '../../lib/server/open-store.js';
import {
  CLAIM_SQL,
  createPostgresStore,
  MIGRATIONS,
  SESSION_SETTINGS,
} from '../../lib/server/postgres-store.js';
import { describeMessageStore } from '../support/message-store-contract.js';
import { freshPostgresUrl } from '../support/test-store.js';

describeMessageStore('createPostgresStore', () => openStore(freshPostgresUrl()));

describe('createPostgresStore', () => {
  it('refuses a schema name that is not a plain SQL name', async () => {
    await expect(
      createPostgresStore({ url: 'postgres://x@127.0.0.1/x', schema: 'a; drop table x' }),
    ).rejects.toThrow(new RangeError('postgres: schema must be a lowercase SQL name, got "a; drop table x"'));
  });

  it('keeps messages across a close and a reopen, and migrates once when instances start together', async () => {
    const url = freshPostgresUrl();
    const [first, second, third] = await Promise.all([openStore(url), openStore(url), openStore(url)]);
    await first.insert({
      id: '0'.repeat(23) + '1',
      nodeSource: 'aa',
      nodeDestination: 'bb',
      status: 'pending',
      tries: 0,
      payloadType: 'application/octet-stream',
      createdTime: new Date(1_000),
      payload: { kind: 'bytes', value: new Uint8Array([0, 1, 255]) },
    });
    await Promise.all([first.close?.(), second.close?.()]);
    const claimed = await third.claimNextDue('bb', new Date(2_000));
    expect(claimed).toMatchObject({ status: 'processing', tries: 1, payload: { kind: 'bytes' } });
    expect([...((claimed?.payload.value ?? []) as Uint8Array)]).toEqual([0, 1, 255]);
    await third.close?.();
  });

  it('migrates a database of an older schema, its messages kept', async () => {
    const url = freshPostgresUrl();
    const schema = new URL(url).searchParams.get('schema') ?? '';
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // The schema as version 3 left it, with a message waiting.
      await client.query(`CREATE SCHEMA ${schema}; SET search_path = ${schema}`);
      for (const sql of MIGRATIONS.slice(0, 3)) await client.query(sql);
      await client.query(
        `CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (3)`,
      );
      await client.query(
        `INSERT INTO messages (id, node_source, node_destination, status, tries, payload_type, payload_kind,
           payload, created_time) VALUES ('${'0'.repeat(23)}7', 'aa', 'bb', 'pending', 0, 'text/plain', 'text',
           'hi', 1000)`,
      );
      const store = await openStore(url);
      expect((await store.list('aa', 10)).map((m) => m.id)).toEqual(['0'.repeat(23) + '7']);
      expect(await store.claimNextDue('bb', new Date(2_000))).toMatchObject({
        tries: 1,
        payload: { value: 'hi' },
      });
      await store.close?.();
      const version = await client.query<{ version: number }>(`SELECT version FROM schema_version`);
      expect(version.rows).toEqual([{ version: MIGRATIONS.length }]);
      const key = await client.query<{ columns: string }>(
        `SELECT string_agg(a.attname, ',') AS columns FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
         WHERE i.indrelid = '${schema}.messages'::regclass AND i.indisprimary`,
      );
      expect(key.rows).toEqual([{ columns: 'id' }]);
    } finally {
      await client.end();
    }
  });

  it('claims through the index of waiting messages, in its order, before the table is analyzed', async () => {
    const url = freshPostgresUrl();
    const schema = new URL(url).searchParams.get('schema') ?? '';
    const store = await openStore(url);
    const pg = (await import('pg')).default;
    const plain = new URL(url);
    plain.searchParams.delete('schema');
    // A session as the store's: its settings, its schema.
    const client = new pg.Client({
      connectionString: plain.toString(),
      options: `${SESSION_SETTINGS} -c search_path=${schema}`,
    });
    await client.connect();
    try {
      // A burst of 100,000 pushes into the empty table, before autovacuum has analyzed it.
      await client.query(
        `INSERT INTO messages (id, node_source, node_destination, status, tries, payload_type, payload_kind,
           payload, created_time)
         SELECT lpad(to_hex(n), 24, '0'), 'aa', 'bb', 'pending', 0, 'text/plain', 'text', 'hi', n
         FROM generate_series(1, 100000) AS n`,
      );
      const plan = await client.query<{ 'QUERY PLAN': string }>({
        text: `EXPLAIN ${CLAIM_SQL}`,
        values: ['bb', 2_000_000, 8],
      });
      const lines = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(lines).toContain('Index Scan using messages_waiting on messages');
      expect(lines).not.toMatch(/Sort|Bitmap/);
      expect(
        ((await store.claimDue?.('bb', new Date(2_000_000), 8)) ?? []).map((m) => m.createdTime.getTime()),
      ).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    } finally {
      await client.end();
      await store.close?.();
    }
  });
});
