import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../lib/server/sqlite-store.js';
import { describeMessageStore } from '../support/message-store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'scirocco-sqlite-'));
let files = 0;
const freshFile = () => join(dir, `q${String(++files)}.db`);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describeMessageStore('createSqliteStore', () => createSqliteStore({ path: freshFile() }));

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
      "sqlite: the file's schema is version 99, newer than this server's 3: upgrade scirocco-rx",
    );
  });
});
