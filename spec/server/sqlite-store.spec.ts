import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../lib/server/message-store.js';
import { createSqliteStore } from '../../lib/server/sqlite-store.js';
import { describeMessageStore } from '../support/message-store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'scirocco-sqlite-'));
let files = 0;
const freshFile = () => join(dir, `q${String(++files)}.db`);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describeMessageStore('createSqliteStore', () => createSqliteStore({ path: freshFile() }));

const pending = (n: number): StoredMessage => ({
  id: n.toString(16).padStart(24, '0'),
  nodeSource: 'aa',
  nodeDestination: 'bb',
  status: 'pending',
  tries: 0,
  payloadType: 'text/plain',
  createdTime: new Date(n),
  payload: { kind: 'text', value: `m${String(n)}` },
});

/** The ids another connection to the file sees: what is committed. */
async function committedIds(path: string): Promise<string[]> {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT id FROM messages ORDER BY seq').all() as { id: string }[]).map((r) => r.id);
  } finally {
    db.close();
  }
}

describe('createSqliteStore: group commit', () => {
  it('answers the writes made together once they are committed', async () => {
    const path = freshFile();
    const store = await createSqliteStore({ path });
    const inserted = [1, 2, 3].map(async (n) => {
      await store.insert(pending(n));
      return committedIds(path);
    });
    for (const seen of await Promise.all(inserted)) expect(seen).toEqual([1, 2, 3].map((n) => pending(n).id));
    await store.close?.();
  });

  it('fails a write of the group alone: the others are committed', async () => {
    const path = freshFile();
    const store = await createSqliteStore({ path });
    await store.insert(pending(1));
    const outcomes = await Promise.allSettled([
      store.insert(pending(2)),
      store.insert(pending(1)), // its id is taken
      store.claimNextDue('bb', new Date(10)),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toContain(
      'UNIQUE constraint failed: messages.id',
    );
    expect((outcomes[2] as PromiseFulfilledResult<StoredMessage>).value.id).toBe(pending(1).id);
    await store.close?.();
    expect(await committedIds(path)).toEqual([pending(1).id, pending(2).id]);
  });

  it('commits the writes made before close, then closes', async () => {
    const path = freshFile();
    const store = await createSqliteStore({ path });
    const inserting = store.insert(pending(7));
    const closing = store.close?.();
    await expect(inserting).resolves.toBeUndefined();
    await closing;
    await expect(store.close?.()).resolves.toBeUndefined(); // once only
    await expect(store.insert(pending(8))).rejects.toThrow('The database connection is not open');
    expect(await committedIds(path)).toEqual([pending(7).id]);
  });
});

describe('createSqliteStore', () => {
  it('keeps messages across a close and a reopen of the file', async () => {
    const path = freshFile();
    const first = await createSqliteStore({ path });
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
    await first.close?.();
    const second = await createSqliteStore({ path });
    const claimed = await second.claimNextDue('bb', new Date(2_000));
    expect(claimed).toMatchObject({ status: 'processing', tries: 1, payload: { kind: 'bytes' } });
    expect([...((claimed?.payload.value ?? []) as Uint8Array)]).toEqual([0, 1, 255]);
    await second.close?.();
  });

  it('refuses a file whose schema is newer than the server', async () => {
    const path = freshFile();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    await expect(createSqliteStore({ path })).rejects.toThrow(
      "sqlite: the file's schema is version 99, newer than this server's 4: upgrade scirocco-rx",
    );
  });
});
