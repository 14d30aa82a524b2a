import { firstValueFrom } from 'rxjs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Option, Result } from 'ts-results-es';
import type { MessageMetadata, SciroccoMessage } from '../../lib/protocol/message-metadata.js';
import type { SciroccoError } from '../../lib/client/scirocco-error.js';
import type {
  NackOptions,
  PullCallOptions,
  PullManyOptions,
  SciroccoResult,
} from '../../lib/client/client-core.js';
import type { SciroccoClient } from '../../lib/rx/scirocco-client.js';
import { useLoggedServers } from '../support/logged-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const serve = useLoggedServers();

describe('client.pull({ waitMs }): long polling', () => {
  it('gets a message pushed while it waits, in one request, after one look at the extensions', async () => {
    const { lines, client } = await serve();
    const consumer = client('bb');
    const pulled = consumer.pull<{ n: number }>({ waitMs: 10_000 });
    await sleep(100);
    const pushed = (await client('aa').push('bb', { n: 1 })).unwrap();
    const found = (await pulled).unwrap();
    expect(found.isSome() && [found.value.metadata.id, found.value.payload]).toEqual([
      pushed.metadata.id,
      { n: 1 },
    ]);
    expect((await consumer.pull({ waitMs: 50 })).unwrap().isNone()).toBe(true);
    // The extensions were asked once for both pulls.
    expect(lines.filter((line) => line.path === '/')).toHaveLength(1);
    expect(lines.filter((line) => line.method === 'GET' && line.path.startsWith('/messageQueue'))).toEqual([
      { method: 'GET', path: '/messageQueue?wait=10000', status: 200 },
      { method: 'GET', path: '/messageQueue?wait=50', status: 204 },
    ]);
  });

  it('waits at most what the server offers', async () => {
    const { lines, client } = await serve({ maxPullWaitMs: 100 });
    expect((await client('bb').pull({ waitMs: 60_000 })).unwrap().isNone()).toBe(true);
    expect(lines.filter((line) => line.method === 'GET' && line.path !== '/')).toEqual([
      { method: 'GET', path: '/messageQueue?wait=100', status: 204 },
    ]);
  });

  it('an abort ends the wait on the server: the pull answers None at once, nothing is left processing', async () => {
    const { lines, client } = await serve();
    const consumer = client('bb');
    const controller = new AbortController();
    const pulled = consumer.pull({ waitMs: 15_000, signal: controller.signal });
    await sleep(100);
    const started = performance.now();
    controller.abort();
    expect((await pulled).unwrap().isNone()).toBe(true);
    expect(performance.now() - started).toBeLessThan(5_000);
    const ends = lines.filter((line) => line.method === 'DELETE');
    expect(ends).toHaveLength(1);
    expect(ends[0]?.path).toMatch(/^\/messageQueue\/wait\/[0-9a-f]{32}$/);
    expect(ends[0]?.status).toBe(204);
    (await client('aa').push('bb', 'later')).unwrap();
    const next = (await consumer.pull()).unwrap();
    expect(next.isSome() && next.value.payload).toBe('later');
  });

  it('against a server without long polling, answers at once and sends no wait', async () => {
    for (const options of [{ plain: true }, { maxPullWaitMs: 0 }]) {
      const { lines, client } = await serve(options);
      const started = performance.now();
      expect((await client('bb').pull({ waitMs: 10_000 })).unwrap().isNone()).toBe(true);
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(lines.filter((line) => line.method === 'GET').map((line) => line.path)).toEqual([
        '/',
        '/messageQueue',
      ]);
    }
  });

  it('a plain client never asks for the extensions and never waits', async () => {
    const { lines, client } = await serve();
    const plain = client('bb', true);
    expect((await plain.extensions()).unwrap()).toEqual({ nack: false });
    expect((await plain.pull({ waitMs: 10_000 })).unwrap().isNone()).toBe(true);
    expect((await plain.pullMany({ max: 5, waitMs: 10_000 })).unwrap()).toEqual([]);
    expect(lines.map((line) => `${line.method} ${line.path}`)).toEqual([
      'GET /messageQueue',
      'GET /messageQueue',
    ]);
  });

  it('refuses a bad waitMs before any request', async () => {
    const { lines, client } = await serve();
    for (const [waitMs, shown] of [
      [-1, 'number -1'],
      [1.5, 'number 1.5'],
      [Number.NaN, 'number NaN'],
      ['20', '"20"'],
    ] as const) {
      const refused = await client('bb').pull({ waitMs: waitMs as number });
      expect(refused.isErr() && [refused.error.kind, refused.error.operation, refused.error.message]).toEqual(
        [
          'invalid-argument',
          'pull',
          `pull: waitMs must be a whole number of milliseconds >= 0, got ${shown}`,
        ],
      );
    }
    expect(lines).toEqual([]);
  });
});

describe('client.pullMany({ max }): batch pulls', () => {
  it('claims up to max due messages in one request, oldest first, each acked by its id', async () => {
    const { lines, client } = await serve();
    const producer = client('aa');
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push((await producer.push('bb', { n })).unwrap().metadata.id);
    const consumer = client('bb');
    const batch = (await consumer.pullMany<{ n: number }>({ max: 3 })).unwrap();
    expect(batch.map((message) => [message.metadata.id, message.metadata.status, message.payload])).toEqual([
      [ids[0], 'processing', { n: 0 }],
      [ids[1], 'processing', { n: 1 }],
      [ids[2], 'processing', { n: 2 }],
    ]);
    for (const message of batch) (await consumer.ack(message.metadata.id)).unwrap();
    expect((await consumer.pullMany({ max: 10 })).unwrap().map((message) => message.metadata.id)).toEqual(
      ids.slice(3),
    );
    expect((await consumer.pullMany({ max: 10 })).unwrap()).toEqual([]);
    expect(
      lines.filter((line) => line.method === 'GET').map((line) => `${line.path} ${line.status}`),
    ).toEqual([
      '/ 200',
      '/messageQueue/batch?max=3 200',
      '/messageQueue/batch?max=10 200',
      '/messageQueue/batch?max=10 204',
    ]);
  });

  it('waits for messages with waitMs, and asks no more than the server gives', async () => {
    const { lines, client } = await serve({ limits: { maxListMessages: 2 } });
    const consumer = client('bb');
    const pulled = consumer.pullMany({ max: 50, waitMs: 10_000 });
    await sleep(100);
    (await client('aa').push('bb', 'woke')).unwrap();
    expect((await pulled).unwrap().map((message) => message.payload)).toEqual(['woke']);
    expect(
      lines.filter((line) => line.path.startsWith('/messageQueue/batch')).map((line) => line.path),
    ).toEqual(['/messageQueue/batch?max=2&wait=10000']);
  });

  it('pulls one at a time from a server without batches (the original), and with max 1', async () => {
    const { lines, client } = await serve({ plain: true });
    const producer = client('aa');
    for (let n = 0; n < 3; n++) (await producer.push('bb', { n })).unwrap();
    const consumer = client('bb');
    expect((await consumer.pullMany({ max: 3 })).unwrap().map((message) => message.payload)).toEqual([
      { n: 0 },
    ]);
    expect((await consumer.pullMany({ max: 1 })).unwrap()).toHaveLength(1);
    expect(lines.filter((line) => line.method === 'GET').map((line) => line.path)).toEqual([
      '/',
      '/messageQueue',
      '/messageQueue',
    ]);
  });

  it('falls back to a single pull when the server it knew no longer has batches, and asks again later', async () => {
    const first = await serve();
    const consumer = first.client('bb');
    expect((await consumer.extensions()).unwrap().maxBatchPull).toBe(100);
    const port = Number(new URL(first.server.url).port);
    await first.server.close(); // closing again after the test does nothing
    const restarted = await serve({ port, plain: true });
    (await restarted.client('aa').push('bb', 'after the restart')).unwrap();
    expect((await consumer.pullMany({ max: 5 })).unwrap().map((message) => message.payload)).toEqual([
      'after the restart',
    ]);
    expect((await consumer.pullMany({ max: 5 })).unwrap()).toEqual([]);
    expect(
      restarted.lines.filter((line) => line.method === 'GET').map((line) => `${line.path} ${line.status}`),
    ).toEqual(['/messageQueue/batch?max=5 404', '/messageQueue 200', '/ 200', '/messageQueue 204']);
  });

  it('refuses a bad max before any request', async () => {
    const { lines, client } = await serve();
    for (const [max, shown] of [
      [0, 'number 0'],
      [2.5, 'number 2.5'],
      [undefined, 'undefined'],
    ] as const) {
      const refused = await client('bb').pullMany({ max: max as number });
      expect(refused.isErr() && [refused.error.kind, refused.error.operation, refused.error.message]).toEqual(
        ['invalid-argument', 'pullMany', `pullMany: max must be a whole number >= 1, got ${shown}`],
      );
    }
    expect(lines).toEqual([]);
  });

  it('is typed', () => {
    type Many = ReturnType<SciroccoClient['pullMany']>;
    expectTypeOf<Many>().toEqualTypeOf<SciroccoResult<SciroccoMessage[]>>();
    expectTypeOf<Parameters<SciroccoClient['pullMany']>[0]>().toEqualTypeOf<PullManyOptions>();
    expectTypeOf<PullManyOptions>().toExtend<{ readonly max: number; readonly waitMs?: number }>();
    expectTypeOf<Parameters<SciroccoClient['pull']>[0]>().toEqualTypeOf<PullCallOptions | undefined>();
    expectTypeOf<ReturnType<SciroccoClient['pull']>>().toEqualTypeOf<
      SciroccoResult<Option<SciroccoMessage>>
    >();
  });
});

describe('client.ackMany / nackMany: batch acks', () => {
  /** Pushes `n` messages to `node` and claims them: their ids. */
  async function claimedBy(consumer: SciroccoClient, n: number): Promise<string[]> {
    for (let i = 0; i < n; i++) (await consumer.push(consumer.node, { i })).unwrap();
    const ids: string[] = [];
    while (ids.length < n) {
      for (const message of (await consumer.pullMany({ max: n - ids.length })).unwrap()) {
        ids.push(message.metadata.id);
      }
    }
    return ids;
  }
  const outline = (outcomes: readonly Result<MessageMetadata, SciroccoError>[]) =>
    outcomes.map((outcome) => (outcome.isOk() ? outcome.value.status : outcome.error.kind));

  it.each([
    ['with batch acks: one request', false, ['PATCH /messageQueue/batch/ack']],
    [
      'against the plain protocol: one ack per id',
      true,
      Array<string>(3).fill('PATCH /messageQueue/:id/ack'),
    ],
  ])('acks each id, in order, with its own outcome — %s', async (_, plain, requests) => {
    const { lines, client } = await serve();
    const consumer = client('bb', plain);
    const [a = '', b = '', c = ''] = await claimedBy(consumer, 3);
    const other = (await client('aa').push('aa', 'not bb’s')).unwrap().metadata.id;
    lines.splice(0);
    const outcomes = (await consumer.ackMany([c, other, a, b])).unwrap();
    expect(outline(outcomes)).toEqual(['processed', 'not-found', 'processed', 'processed']);
    expect(outcomes.map((outcome) => outcome.isOk() && outcome.value.id)).toEqual([c, false, a, b]);
    const failed = outcomes[1];
    expect(failed?.isErr() && [failed.error.status, failed.error.messageId, failed.error.operation]).toEqual([
      404,
      other,
      plain ? 'ack' : 'ackMany',
    ]);
    const sent = lines
      .filter((line) => line.method === 'PATCH')
      .map((line) => `PATCH ${line.path.replace(/[0-9a-f]{24}/, ':id')}`);
    expect(sent).toEqual(plain ? [...requests, 'PATCH /messageQueue/:id/ack'] : requests);
  });

  it('has Observable twins: ackMany$ and nackMany$', async () => {
    const { client } = await serve();
    const consumer = client('bb');
    const [a = '', b = ''] = await claimedBy(consumer, 2);
    expect(outline(await firstValueFrom(consumer.ackMany$([a])))).toEqual(['processed']);
    expect(outline(await firstValueFrom(consumer.nackMany$([b, a])))).toEqual(['pending', 'not-found']);
  });

  it('nacks many back to the queue, tries kept, after the delay', async () => {
    const { client } = await serve();
    const consumer = client('bb');
    const ids = await claimedBy(consumer, 2);
    const outcomes = (await consumer.nackMany(ids, { delayMs: 60_000 })).unwrap();
    expect(outline(outcomes)).toEqual(['scheduled', 'scheduled']);
    expect(outcomes.map((outcome) => outcome.isOk() && outcome.value.tries)).toEqual([1, 1]);
    expect((await consumer.pull()).unwrap().isNone()).toBe(true);
  });

  it('splits ids beyond the server’s most into several batches, and settles an id given twice once', async () => {
    const { lines, client } = await serve({ limits: { maxListMessages: 2 } });
    const consumer = client('bb');
    const ids = [
      ...(await claimedBy(consumer, 2)),
      ...(await claimedBy(consumer, 2)),
      ...(await claimedBy(consumer, 1)),
    ];
    lines.splice(0);
    const outcomes = (await consumer.ackMany([...ids, ids[0] ?? ''])).unwrap();
    expect(outline(outcomes)).toEqual([
      'processed',
      'processed',
      'processed',
      'processed',
      'processed',
      'not-found',
    ]);
    expect(lines.filter((line) => line.path === '/messageQueue/batch/ack')).toHaveLength(3);
  });

  it.each([
    [[], 'ackMany', 'ids must hold 1 or more message ids, got none'],
    [
      ['5823a70203c123003de4229b', 'x'],
      'ackMany',
      'ids[1]: message id must be 24 hexadecimal characters, got "x"',
    ],
  ])('refuses %j before any request', async (ids, operation, reason) => {
    const { lines, client } = await serve();
    const refused = await client('bb').ackMany(ids);
    expect(refused.isErr() && [refused.error.kind, refused.error.operation, refused.error.message]).toEqual([
      'invalid-argument',
      operation,
      `${operation}: ${reason}`,
    ]);
    expect(lines).toEqual([]);
  });

  it('refuses a bad delay before any request', async () => {
    const { lines, client } = await serve();
    const refused = await client('bb').nackMany(['5823a70203c123003de4229b'], { delayMs: -1 });
    expect(refused.isErr() && refused.error.message).toBe(
      'nackMany: delayMs must be a whole number of milliseconds >= 0, got -1',
    );
    expect(lines).toEqual([]);
  });

  it('has the types of its outcomes', () => {
    expectTypeOf<ReturnType<SciroccoClient['ackMany']>>().toEqualTypeOf<
      SciroccoResult<Result<MessageMetadata, SciroccoError>[]>
    >();
    expectTypeOf<Parameters<SciroccoClient['nackMany']>[1]>().toEqualTypeOf<NackOptions | undefined>();
  });
});
