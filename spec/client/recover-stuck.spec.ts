import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ClientCore } from '../../lib/client/client-core.js';
import { recoverStuck } from '../../lib/client/recover-stuck.js';
import { createClient } from '../../lib/create-client.js';
import { startServer } from '../../lib/server/start-server.js';
import type { SciroccoClient } from '../../lib/rx/scirocco-client.js';
import { createMemoryQueue } from '../../lib/testing/create-memory-queue.js';
import { manualClock, useServer } from '../support/server.js';

const TOKEN = 'DEFAULT_TOKEN';
const MINUTE = 60_000;

/** A server whose clock can be set back, so that claims made "20 minutes ago" are old. */
function useServers() {
  const clock = manualClock();
  const withNack = useServer({ clock: clock.now });
  const plain = useServer({ clock: clock.now, plain: true });
  return { clock, withNack, plain };
}

/** Pushes `count` messages to bb and claims `old` of them 20 minutes ago, the rest now. */
async function stuckAt(url: string, clock: ReturnType<typeof manualClock>, count: number, old: number) {
  const producer = createClient({ url, node: 'aa', token: TOKEN });
  const consumer = createClient({ url, node: 'bb', token: TOKEN });
  for (let n = 0; n < count; n++) (await producer.push('bb', { n }, { payloadType: 'reading' })).unwrap();
  clock.advance(-20 * MINUTE);
  for (let n = 0; n < old; n++) (await consumer.pull()).unwrap();
  clock.reset();
  (await consumer.pull()).unwrap(); // claimed now: not stuck
  producer.close();
  return consumer;
}

const statuses = async (client: SciroccoClient) =>
  (await client.list())
    .unwrap()
    .map((m) => [m.payload, m.metadata.status, m.metadata.tries, m.metadata.payloadType]);

describe('client.recoverStuck({ olderThan })', () => {
  const { clock, withNack, plain } = useServers();

  it('on the original protocol: pushes a copy of each message processing too long, then acks it', async () => {
    const consumer = await stuckAt(plain.url, clock, 4, 2);
    const recovery = (await consumer.recoverStuck({ olderThan: 10 * MINUTE })).unwrap();
    expect(recovery.stuck.map((m) => m.payload)).toEqual([{ n: 0 }, { n: 1 }]);
    expect(recovery.recovered.map((r) => [r.message.payload, r.via, r.back.metadata.status])).toEqual([
      [{ n: 0 }, 'copy', 'pending'],
      [{ n: 1 }, 'copy', 'pending'],
    ]);
    expect(recovery.recovered.every((r) => r.back.metadata.id !== r.message.metadata.id)).toBe(true);
    expect([recovery.settled, recovery.duplicated, recovery.failed, recovery.listFull]).toEqual([
      [],
      [],
      [],
      false,
    ]);
    expect(await statuses(consumer)).toEqual([
      [{ n: 0 }, 'processed', 1, 'reading'],
      [{ n: 1 }, 'processed', 1, 'reading'],
      [{ n: 2 }, 'processing', 1, 'reading'], // claimed a moment ago: not stuck
      [{ n: 3 }, 'pending', 0, 'reading'],
      [{ n: 0 }, 'pending', 0, 'reading'],
      [{ n: 1 }, 'pending', 0, 'reading'],
    ]);
    consumer.close();
  });

  it('where the server has nack: nacks them back, the same messages, their tries kept', async () => {
    const consumer = await stuckAt(withNack.url, clock, 3, 2);
    const recovery = (await consumer.recoverStuck({ olderThan: 10 * MINUTE })).unwrap();
    expect(recovery.recovered.map((r) => [r.via, r.back.metadata.id === r.message.metadata.id])).toEqual([
      ['nack', true],
      ['nack', true],
    ]);
    expect(await statuses(consumer)).toEqual([
      [{ n: 0 }, 'pending', 1, 'reading'],
      [{ n: 1 }, 'pending', 1, 'reading'],
      [{ n: 2 }, 'processing', 1, 'reading'],
    ]);
    consumer.close();
  });

  it('with dryRun only finds them; says when the list was full', async () => {
    const consumer = await stuckAt(plain.url, clock, 3, 2);
    const before = await statuses(consumer);
    const recovery = (await consumer.recoverStuck({ olderThan: 10 * MINUTE, dryRun: true })).unwrap();
    expect(recovery.stuck).toHaveLength(2);
    expect(recovery.recovered).toEqual([]);
    expect(await statuses(consumer)).toEqual(before);
    const partial = (
      await consumer.recoverStuck({ olderThan: 10 * MINUTE, dryRun: true, limit: 1 })
    ).unwrap();
    expect([partial.stuck.length, partial.listFull]).toEqual([1, true]);
    consumer.close();
  });

  it('withdraws a copy when the consumer acked the original meanwhile; reports one that ran twice', async () => {
    const consumer = await stuckAt(plain.url, clock, 2, 2);
    const [first, second] = (await consumer.list()).unwrap();
    const late = createClient({ url: plain.url, node: 'bb', token: TOKEN });
    let pushes = 0;
    // The slow consumer acks each original just after the reaper pushed its copy; the second copy
    // is claimed at once by another consumer, before the reaper can withdraw it.
    const racing: ClientCore = {
      ...consumer,
      push: async (destination, payload, options) => {
        const pushed = await consumer.push(destination, payload, options);
        const original = ++pushes === 1 ? first! : second!;
        (await late.ack(original.metadata.id)).unwrap();
        if (pushes === 2) (await late.pull()).unwrap();
        return pushed;
      },
    };
    const recovery = (await recoverStuck(racing, Date.now, { olderThan: 10 * MINUTE })).unwrap();
    expect(recovery.settled.map((m) => m.payload)).toEqual([{ n: 0 }]);
    expect(recovery.duplicated.map((r) => [r.message.payload, r.back.metadata.status])).toEqual([
      [{ n: 1 }, 'pending'],
    ]);
    expect(recovery.recovered).toEqual([]);
    expect(await statuses(consumer)).toEqual([
      [{ n: 0 }, 'processed', 1, 'reading'],
      [{ n: 1 }, 'processed', 1, 'reading'],
      [{ n: 1 }, 'processing', 1, 'reading'], // the copy of n 1, claimed: it runs twice
    ]);
    late.close();
    consumer.close();
  });

  it('leaves a message it could not copy processing, and names the error', async () => {
    const consumer = await stuckAt(plain.url, clock, 1, 1);
    const aborted = new AbortController();
    aborted.abort();
    const failing: ClientCore = {
      ...consumer,
      push: (destination, payload, options) =>
        consumer.push(destination, payload, { ...options, signal: aborted.signal }),
    };
    const recovery = (await recoverStuck(failing, Date.now, { olderThan: 10 * MINUTE })).unwrap();
    expect(recovery.failed.map((f) => [f.message.payload, f.error.kind, f.copy])).toEqual([
      [{ n: 0 }, 'aborted', undefined],
    ]);
    expect((await statuses(consumer))[0]).toEqual([{ n: 0 }, 'processing', 1, 'reading']);
    consumer.close();
  });

  it('counts a message acked before its nack as settled', async () => {
    const consumer = await stuckAt(withNack.url, clock, 1, 1);
    const [stuck] = (await consumer.list()).unwrap();
    const racing: ClientCore = {
      ...consumer,
      nack: async (id, options) => {
        (await consumer.ack(stuck!.metadata.id)).unwrap();
        return consumer.nack(id, options);
      },
    };
    const recovery = (await recoverStuck(racing, Date.now, { olderThan: 10 * MINUTE })).unwrap();
    expect([recovery.settled.length, recovery.recovered.length, recovery.failed.length]).toEqual([1, 0, 0]);
    consumer.close();
  });

  it.each([
    [{ olderThan: 0 }, 'recoverStuck: olderThan must be a positive whole number of milliseconds, got 0'],
    [{ olderThan: 1.5 }, 'recoverStuck: olderThan must be a positive whole number of milliseconds, got 1.5'],
    [
      { olderThan: Number.NaN },
      'recoverStuck: olderThan must be a positive whole number of milliseconds, got NaN',
    ],
    [{ olderThan: 1_000, limit: 0 }, 'recoverStuck: limit must be a positive whole number, got 0'],
  ])('refuses %j with an exact message and sends nothing', async (options, message) => {
    const lines: string[] = [];
    const server = await startServer({ log: (line) => lines.push(line) });
    const client = createClient({ url: server.url, node: 'bb', token: TOKEN });
    const refused = await client.recoverStuck(options);
    expect(refused.isErr() && [refused.error.kind, refused.error.message]).toEqual([
      'invalid-argument',
      message,
    ]);
    expect(lines).toEqual([]);
    client.close();
    await server.close();
  });

  it('does the same on the memory queue, on its clock', async () => {
    const scheduler = new VirtualTimeScheduler();
    const queue = createMemoryQueue({ plain: true, scheduler });
    const consumer = queue.client({ node: 'bb' });
    (await queue.client({ node: 'aa' }).push('bb', 'x')).unwrap();
    (await consumer.pull()).unwrap();
    expect((await consumer.recoverStuck({ olderThan: 10 * MINUTE })).unwrap().stuck).toEqual([]);
    scheduler.frame = 20 * MINUTE;
    const recovery = (await consumer.recoverStuck({ olderThan: 10 * MINUTE })).unwrap();
    expect(recovery.recovered.map((r) => r.via)).toEqual(['copy']);
    expect(queue.messages().map((m) => m.metadata.status)).toEqual(['processed', 'pending']);
  });
});
