import { describe, expect, it } from 'vitest';
import { openStore } from '../../lib/server/open-store.js';
import { createPostgresStore } from '../../lib/server/postgres-store.js';
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
});
