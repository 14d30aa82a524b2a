import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '../../lib/create-client.js';
import type { SciroccoClient } from '../../lib/rx/scirocco-client.js';
import { cli, listening, until, type Run } from '../support/cli.js';
import { freshPostgresUrl } from '../support/test-store.js';

const TOKEN = 'DEFAULT_TOKEN';
const dir = mkdtempSync(join(tmpdir(), 'scirocco-durable-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function serve(store: string): Promise<{ run: Run; url: string }> {
  const run = cli(['serve', '--port', '0', '--store', store]);
  return { run, url: await listening(run) };
}

/** The durable store of this run: PostgreSQL in the postgres project, else a SQLite file. */
const onPostgres = process.env.SCIROCCO_TEST_STORE === 'postgres';
const durable = (name: string) => (onPostgres ? freshPostgresUrl() : `sqlite:${join(dir, name)}`);
const storeName = onPostgres ? 'PostgreSQL' : 'SQLite';

const clientOf = (url: string, node: string) => createClient({ url, node, token: TOKEN, timeout: 2_000 });

interface Traffic {
  /** Ids whose push was answered 201. */
  readonly pushed: Set<string>;
  /** Ids whose ack was answered 200. */
  readonly acked: Set<string>;
  /** Every id a pull claimed, in order (a repeat is a message claimed twice). */
  readonly claimed: string[];
}

/** Producers and consumers running against `url` until `stop` is set; the answers they got. */
function traffic(url: string, traffic: Traffic, until: { stop: boolean }): Promise<void> {
  const producer = clientOf(url, 'aa');
  const consumer = clientOf(url, 'bb');
  const produce = async (worker: number) => {
    for (let n = 0; !until.stop; n++) {
      const pushed = await producer.push('bb', { worker, n });
      if (pushed.isOk()) traffic.pushed.add(pushed.value.metadata.id);
    }
  };
  const consume = async () => {
    while (!until.stop) {
      const pulled = await consumer.pull();
      if (pulled.isErr() || pulled.value.isNone()) continue;
      const { id } = pulled.value.value.metadata;
      traffic.claimed.push(id);
      const acked = await consumer.ack(id);
      if (acked.isOk()) traffic.acked.add(id);
    }
  };
  return Promise.all([produce(0), produce(1), consume(), consume()]).then(() => {
    producer.close();
    consumer.close();
  });
}

/** The status of each of `ids` that the server still has, looked up one by one as their source. */
async function statuses(client: SciroccoClient, ids: Iterable<string>): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const id of ids) {
    const got = await client.get(id);
    if (got.isOk()) found.set(id, got.value.metadata.status);
  }
  return found;
}

describe('scirocco serve --store: durability', () => {
  it(`keeps messages (${storeName}) across a restart, and says which store it uses`, async () => {
    const store = durable('restart.db');
    const first = await serve(store);
    // stderr, after the listening line on stdout: it may come a moment later
    await until(first.run, 'store line', () => first.run.stderr().includes(`store: ${store}\n`));
    const pushed = (await clientOf(first.url, 'aa').push('bb', { kept: true })).unwrap();
    first.run.child.kill('SIGTERM');
    expect(await first.run.exit).toBe(0);
    const second = await serve(store);
    const pulled = (await clientOf(second.url, 'bb').pull()).unwrap();
    expect(pulled.isSome() && pulled.value.metadata.id).toBe(pushed.metadata.id);
    second.run.child.kill('SIGTERM');
    await second.run.exit;
  });

  it(`after kill -9 mid-stream (${storeName}): every 201 push is kept, every 200 ack stays processed, none claimed twice`, async () => {
    const store = durable('kill.db');
    const seen: Traffic = { pushed: new Set(), acked: new Set(), claimed: [] };
    const first = await serve(store);
    const until = { stop: false };
    const running = traffic(first.url, seen, until);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    first.run.child.kill('SIGKILL');
    await first.run.exit;
    until.stop = true;
    await running;
    expect(seen.pushed.size).toBeGreaterThan(50);
    expect(seen.acked.size).toBeGreaterThan(20);

    const second = await serve(store);
    const checker = clientOf(second.url, 'aa');
    const after = await statuses(checker, seen.pushed);
    // every push answered 201 is still there
    expect([...seen.pushed].filter((id) => !after.has(id))).toEqual([]);
    // every ack answered 200 is processed
    expect([...seen.acked].filter((id) => after.get(id) !== 'processed')).toEqual([]);
    // the rest is drained by a new consumer: nothing is claimed twice, before or after the kill
    const consumer = clientOf(second.url, 'bb');
    for (;;) {
      const pulled = (await consumer.pull()).unwrap();
      if (pulled.isNone()) break;
      seen.claimed.push(pulled.value.metadata.id);
      (await consumer.ack(pulled.value.metadata.id)).unwrap();
    }
    expect(seen.claimed.length).toBe(new Set(seen.claimed).size);
    second.run.child.kill('SIGTERM');
    await second.run.exit;
  });

  it('with memory, a restart loses every message, as the startup line says', async () => {
    const first = await serve('memory');
    await until(first.run, 'store line', () =>
      first.run.stderr().includes('store: memory (messages are lost when the server stops'),
    );
    const pushed = (await clientOf(first.url, 'aa').push('bb', { lost: true })).unwrap();
    first.run.child.kill('SIGKILL');
    await first.run.exit;
    const second = await serve('memory');
    expect((await clientOf(second.url, 'aa').get(pushed.metadata.id)).isErr()).toBe(true);
    second.run.child.kill('SIGTERM');
    await second.run.exit;
  });

  it('refuses a store URL it does not know (exit 2), and names a missing file directory (exit 1)', async () => {
    const bad = cli(['serve', '--port', '0', '--store', 'mongodb://localhost/q']);
    expect(await bad.exit).toBe(2);
    expect(bad.stderr()).toContain(
      'store: "mongodb://localhost/q" is not a store URL: use memory, sqlite:PATH or postgres://USER@HOST/DB',
    );
    const missing = cli([
      'serve',
      '--port',
      '0',
      '--store',
      `sqlite:${join(dir, 'no', 'such', 'dir', 'q.db')}`,
    ]);
    expect(await missing.exit).toBe(1);
    expect(missing.stderr()).toContain('scirocco serve: cannot open the store:');
  });
});
