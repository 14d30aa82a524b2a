import { asyncScheduler, firstValueFrom, take, toArray, type SchedulerLike } from 'rxjs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createClient } from '../../lib/create-client.js';
import type { QueueSummary } from '../../lib/protocol/queue-summary.js';
import { watchSummary } from '../../lib/rx/watch-summary.js';
import { createMemoryQueue } from '../../lib/testing/create-memory-queue.js';
import { useServer } from '../support/server.js';

const TOKEN = 'DEFAULT_TOKEN';

describe('client.summary() and list({ status })', () => {
  const srv = useServer();
  const plain = useServer({ plain: true });

  it('reads the summary: counts by node and status, ages, totals, the version and its time', async () => {
    const client = createClient({ url: srv.url, node: 'a1', token: TOKEN });
    const consumer = createClient({ url: srv.url, node: 'b2', token: TOKEN });
    await client.push('b2', { n: 1 });
    await client.push('b2', { n: 2 });
    await consumer.pull();
    const summary = await client.summary();
    expectTypeOf(summary.unwrap()).toEqualTypeOf<QueueSummary>();
    const value = summary.unwrap();
    expect(value.nodes).toEqual([
      {
        node: 'b2',
        counts: { scheduled: 0, pending: 1, processing: 1, processed: 0 },
        oldestPendingAgeMs: expect.any(Number) as number,
        oldestProcessingAgeMs: expect.any(Number) as number,
      },
    ]);
    expect(value.totals).toEqual({ pushed: 2, claimed: 1, acked: 0, nacked: 0, recovered: 0 });
    expect(value.version).toBe(3);
    expect(value.at).toBeInstanceOf(Date);
    client.close();
    consumer.close();
  });

  it('waits for the next change with since and waitMs; watchSummary streams the changes', async () => {
    const client = createClient({ url: srv.url, node: 'a1', token: TOKEN });
    const { version } = (await client.summary()).unwrap();
    const next = client.summary({ since: version, waitMs: 5_000 });
    setTimeout(() => void client.push('b2', 'woken'), 50);
    expect((await next).unwrap().version).toBe(version + 1);
    const live = firstValueFrom(
      watchSummary((options) => client.summary(options), { intervalMs: 10, waitMs: 5_000 }).pipe(
        take(2),
        toArray(),
      ),
    );
    setTimeout(() => void client.push('b2', 'again'), 100);
    const versions = (await live).map((summary) => summary.version);
    expect(versions).toEqual([version + 1, version + 2]);
    client.close();
  });

  it('refuses a bad since, waitMs or status before any request is sent', async () => {
    const client = createClient({ url: 'http://127.0.0.1:9', node: 'a1', token: TOKEN });
    const since = await client.summary({ since: -1 });
    expect(since.isErr() && [since.error.kind, since.error.message]).toEqual([
      'invalid-argument',
      'summary: since must be a whole number >= 0, got number -1',
    ]);
    const wait = await client.summary({ since: 1, waitMs: 1.5 });
    expect(wait.isErr() && wait.error.message).toBe(
      'summary: waitMs must be a whole number of milliseconds >= 0, got number 1.5',
    );
    const status = await client.list({ status: 'lost' as never });
    expect(status.isErr() && status.error.message).toBe(
      'list: status must be one of scheduled, pending, processing, processed, got "lost"',
    );
  });

  it('lists one status on our server and on the original (which ignores it: the client filters)', async () => {
    for (const url of [srv.url, plain.url]) {
      const client = createClient({ url, node: 'a1', token: TOKEN });
      const pushed = [];
      for (const n of [1, 2, 3]) pushed.push((await client.push('a1', { n })).unwrap().metadata.id);
      await client.pull();
      const processing = (await client.list({ status: 'processing' })).unwrap();
      expect(processing.map((m) => m.metadata.id)).toEqual([pushed[0]]);
      const pending = (await client.list({ status: 'pending' })).unwrap();
      expect(pending.map((m) => m.metadata.id)).toEqual([pushed[1], pushed[2]]);
      client.close();
    }
  });

  it('gets not-found from a server without the summary extension', async () => {
    const client = createClient({ url: plain.url, node: 'a1', token: TOKEN });
    const summary = await client.summary();
    expect(summary.isErr() && [summary.error.kind, summary.error.status]).toEqual(['not-found', 404]);
    client.close();
  });

  it('has the same summary and status lists on the memory queue', async () => {
    // The queue's clock, moved by the test: the age is exact.
    let now = Date.UTC(2026, 11, 3, 12);
    // asyncScheduler's work, at a time the test sets.
    const scheduler: SchedulerLike = Object.assign(Object.create(asyncScheduler) as SchedulerLike, {
      now: () => now,
    });
    const queue = createMemoryQueue({ scheduler });
    const client = queue.client({ node: 'a1' });
    await client.push('b2', 'one');
    now += 1_500;
    const first = (await client.summary()).unwrap();
    expect(first.nodes).toEqual([
      {
        node: 'b2',
        counts: { scheduled: 0, pending: 1, processing: 0, processed: 0 },
        oldestPendingAgeMs: 1_500,
      },
    ]);
    expect([first.version, first.totals.pushed]).toEqual([1, 1]);
    await queue.client({ node: 'b2' }).pull();
    const listed = (await queue.client({ node: 'b2' }).list({ status: 'processing' })).unwrap();
    expect(listed.length).toBe(1);
    expect((await queue.client({ node: 'b2' }).list({ status: 'pending' })).unwrap()).toEqual([]);
    const plainQueue = createMemoryQueue({ plain: true });
    expect((await plainQueue.client({ node: 'a1' }).summary()).isErr()).toBe(true);
  });
});
