import { asapScheduler, map, mergeMap, observeOn, tap } from 'rxjs';
import type { Result } from 'ts-results-es';
import { describe, expect, it } from 'vitest';
import type { SciroccoError } from '../../lib/client/scirocco-error.js';
import { createClient } from '../../lib/create-client.js';
import { ackOnComplete } from '../../lib/rx/ack-on-complete.js';
import { pull$ } from '../../lib/rx/pull.js';
import { pushFrom } from '../../lib/rx/push-from.js';
import type { SciroccoClient } from '../../lib/rx/scirocco-client.js';
import { createMemoryQueue } from '../../lib/testing/create-memory-queue.js';
import { recorder, testScheduler, withOps } from '../support/marbles.js';
import { useServer } from '../support/server.js';

describe('createMemoryQueue', () => {
  it('runs a whole flow — pushFrom → pull$ → ackOnComplete — in virtual time', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const queue = createMemoryQueue();
      const sensor = queue.client({ node: 'a1' });
      const dashboard = queue.client({ node: 'b2' });

      const readings = cold('a 9ms b 9ms c|', { a: { celsius: 20 }, b: { celsius: 21 }, c: { celsius: 22 } });
      sensor.pushFrom(readings, { to: 'b2' }).subscribe();

      const shown = dashboard.pull$<{ celsius: number }>({ interval: 5 }).pipe(
        ackOnComplete((message) => cold('--x|', { x: `${message.payload.celsius} °C` })),
        map((outcome) => (outcome.status === 'acked' ? outcome.result : 'failed')),
      );
      // a at 0 is handled by 3; b (pushed at 10) is found by the poll at 13; c (at 20) by the poll at 21
      expectObservable(shown, '^ 40ms !').toBe('---a 12ms b 7ms c', { a: '20 °C', b: '21 °C', c: '22 °C' });
    });
  });

  it('makes scheduled messages due in virtual time', () => {
    testScheduler().run(({ expectObservable }) => {
      const queue = createMemoryQueue();
      const node = queue.client({ node: 'a1' });
      node.push$('a1', 'later', { scheduledAt: new Date(100) }).subscribe();
      expectObservable(node.pull$({ interval: 30 }).pipe(map((m) => m.payload)), '^ 150ms !').toBe(
        '120ms a',
        { a: 'later' },
      );
    });
  });

  it('tells the queue clock with now(), from 0 inside TestScheduler.run, to schedule from it', () => {
    testScheduler().run(({ expectObservable, flush }) => {
      const queue = createMemoryQueue();
      expect(queue.now()).toEqual(new Date(0));
      const node = queue.client({ node: 'a1' });
      node.push$('a1', 'soon', { scheduledAt: new Date(queue.now().getTime() + 10) }).subscribe();
      expectObservable(node.pull$({ interval: 5 }).pipe(map((m) => m.payload)), '^ 20ms !').toBe('10ms a', {
        a: 'soon',
      });
      flush();
      expect(queue.now()).toEqual(new Date(21)); // the unsubscription frame
    });
  });

  it('warns once when a push schedules from the wall clock inside virtual time', async () => {
    const warnings: string[] = [];
    testScheduler().run(() => {
      const queue = createMemoryQueue({ onWarning: (message) => warnings.push(message) });
      const node = queue.client({ node: 'a1' });
      node.push$('a1', 'x', { scheduledAt: new Date(50) }).subscribe();
      expect(warnings).toEqual([]);
      const at = new Date(Date.now() + 10);
      node.push$('a1', 'x', { scheduledAt: at }).subscribe();
      node.push$('a1', 'y', { scheduledAt: new Date(Date.now() + 20) }).subscribe();
      expect(warnings).toEqual([
        `createMemoryQueue: scheduledAt ${at.toISOString()} is about ${Math.round(at.getTime() / (365 * 24 * 3_600_000))} years ahead of the queue's clock (1970-01-01T00:00:00.000Z): the queue keeps its scheduler's time, which starts at 0 inside TestScheduler.run. Schedule from that clock: new Date(testScheduler.now() + ms), or queue.now().`,
      ]);
    });
    const real = createMemoryQueue({ onWarning: (message) => warnings.push(message) });
    await real.client({ node: 'a1' }).push('a1', 'z', { scheduledAt: new Date(Date.now() + 60_000) });
    expect(warnings).toHaveLength(1);
  });

  it('refuses a bad node id as createClient does', () => {
    expect(() => createMemoryQueue().client({ node: 'xyz' })).toThrow(
      'createClient: node must be a non-empty hexadecimal string (0-9, a-f, A-F), got "xyz"',
    );
  });

  it('takes a million items from an AsyncIterable, never more than `concurrency` pushes in flight', async () => {
    const queue = createMemoryQueue();
    const producer = queue.client({ node: 'a1' });
    const pushes = recorder(() => 0);
    const tracked = withOps(producer, {
      push$: (to, payload) => pushes.track(() => producer.push$(to, payload).pipe(observeOn(asapScheduler))),
    });
    const total = 1_000_000;
    let taken = 0;
    let count = 0;
    let maxHeld = 0;
    async function* readings() {
      for (let n = 0; n < total; n++) {
        if (n % 1000 === 0) await Promise.resolve();
        taken++;
        maxHeld = Math.max(maxHeld, taken - count);
        yield { n };
      }
    }
    await new Promise<void>((resolve, reject) => {
      pushFrom(tracked, readings(), { to: 'b2', concurrency: 8 })
        .pipe(
          tap(() => {
            if (++count % 100_000 === 0) producer.wipe$().subscribe(); // keep the heap small
          }),
        )
        .subscribe({ error: reject, complete: resolve });
    });
    expect(count).toBe(total);
    expect(pushes.maxActive).toBeLessThanOrEqual(8);
    expect(maxHeld).toBeLessThanOrEqual(8);
    expect(queue.messages().length).toBeLessThan(100_000);
  }, 120_000);
});

describe('the memory queue and the server', () => {
  const srv = useServer();

  /** Runs one sequence of operations and describes every answer without ids or times. */
  async function script(client: (node: string) => SciroccoClient): Promise<unknown[]> {
    const a = client('aa');
    const b = client('bb');
    const c = client('cc');
    const labels = new Map<string, string>();
    const label = (text: string) =>
      text.replace(
        /[0-9a-f]{24}/g,
        (id) => labels.get(id) ?? (labels.set(id, `#${labels.size + 1}`), `#${labels.size}`),
      );
    const describe = (value: unknown): unknown => {
      if (value instanceof Uint8Array) return [...value];
      if (value instanceof Date) return 'date';
      if (Array.isArray(value)) return value.map(describe);
      if (typeof value === 'string') return label(value);
      if (typeof value === 'object' && value !== null) {
        if ('isSome' in value)
          return (value as { isSome(): boolean }).isSome()
            ? describe((value as unknown as { value: unknown }).value)
            : 'None';
        return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, describe(v)]));
      }
      return value;
    };
    const answers: unknown[] = [];
    const record = async <T>(
      result: Promise<Result<T, SciroccoError>>,
    ): Promise<Result<T, SciroccoError>> => {
      const settled = await result;
      answers.push(
        settled.isOk()
          ? describe(settled.value)
          : { kind: settled.error.kind, status: settled.error.status, message: label(settled.error.message) },
      );
      return settled;
    };
    const id = async (result: Promise<Result<{ metadata: { id: string } }, SciroccoError>>) =>
      (await record(result)).unwrap().metadata.id;

    const first = await id(a.push('bb', { n: 1 }));
    const second = await id(a.push('bb', 'text that looks like {"json":1}'));
    const third = await id(a.push('bb', new Uint8Array([0, 1, 255]), { payloadType: 'blob' }));
    await id(a.push('bb', 'later', { scheduledAt: new Date(Date.now() + 3_600_000) }));
    await record(b.pull());
    await record(b.ack(first));
    await record(b.ack(first));
    await record(a.ack(second));
    await record(c.get(first));
    await record(a.get(second));
    await record(a.update(second, { changed: true }));
    await record(b.pull());
    await record(a.update(second, 'too late'));
    await record(a.delete(third));
    await record(a.delete(third));
    await record(a.list());
    await record(b.list({ limit: 1 }));
    await record(a.push('xyz', 'x'));
    await record(a.push('bb', ''));
    await record(a.push('bb', 'x'.repeat(100 * 1024 + 1)));
    await record(a.ack('abc'));
    await record(a.deleteAll());
    await record(b.info());
    await record(b.wipe());
    await record(b.pull());
    return answers;
  }

  it('give the same answers to the same sequence of operations', async () => {
    const queue = createMemoryQueue();
    const fromMemory = await script((node) => queue.client({ node }));
    const clients: SciroccoClient[] = [];
    const fromServer = await script((node) => {
      const client = createClient({ url: srv.url, node, token: 'DEFAULT_TOKEN' });
      clients.push(client);
      return client;
    });
    for (const client of clients) client.close();
    expect(fromMemory).toEqual(fromServer);
    expect(fromServer).toHaveLength(25);
  });
});

describe('createMemoryQueue: the extensions, in virtual time', () => {
  it('has ackMany$ and nackMany$ that answer in the frame of the call, on the scheduler', () => {
    testScheduler().run(({ expectObservable }) => {
      const queue = createMemoryQueue();
      const consumer = queue.client({ node: 'b2' });
      for (const n of [1, 2]) consumer.push$('b2', { n }).subscribe();
      const ids: string[] = [];
      consumer.pullMany$({ max: 2 }).subscribe((messages) => ids.push(...messages.map((m) => m.metadata.id)));
      const statuses = (outcomes: Result<{ status: string }, SciroccoError>[]) =>
        outcomes.map((outcome) => (outcome.isOk() ? outcome.value.status : outcome.error.kind)).join(' ');
      expectObservable(consumer.ackMany$([ids[0] ?? '', ids[0] ?? '']).pipe(map(statuses))).toBe('(a|)', {
        a: 'processed not-found',
      });
      expectObservable(consumer.nackMany$([ids[1] ?? ''], { delayMs: 5 }).pipe(map(statuses))).toBe('(a|)', {
        a: 'scheduled',
      });
    });
  });

  it('acks and nacks many ids, each with its own outcome, as the server does', async () => {
    const queue = createMemoryQueue();
    const consumer = queue.client({ node: 'b2' });
    for (const n of [1, 2, 3]) (await consumer.push('b2', { n })).unwrap();
    const ids = (await consumer.pullMany({ max: 3 })).unwrap().map((message) => message.metadata.id);
    const [a = '', b = '', c = ''] = ids;
    const acked = (await consumer.ackMany([a, b, a])).unwrap();
    expect(acked.map((outcome) => (outcome.isOk() ? outcome.value.status : outcome.error.kind))).toEqual([
      'processed',
      'processed',
      'not-found',
    ]);
    const nacked = (await consumer.nackMany([c, a])).unwrap();
    expect(nacked.map((outcome) => (outcome.isOk() ? outcome.value.status : outcome.error.message))).toEqual([
      'pending',
      'nackMany PATCH /messageQueue/batch/nack: 404 Resource not found.',
    ]);
    expect((await queue.client({ node: 'b2' }).extensions()).unwrap().maxBatchAck).toBe(100);
  });

  it('long polls with maxPullWaitMs: a pushed message is emitted when pushed, one pull per wait', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const queue = createMemoryQueue({ maxPullWaitMs: 1_000 });
      const consumer = queue.client({ node: 'b2' });
      const pulls = recorder(() => scheduler.now());
      const counted = withOps(consumer, {
        pullNext$: (options) => pulls.track(() => consumer.pullNext$(options)),
      });
      cold('2500ms x')
        .pipe(mergeMap(() => queue.client({ node: 'a1' }).push$('b2', 'late')))
        .subscribe();
      // Waits of 1 s each, at 0, 1000 and 2000; no more pulls while the message is not acked.
      expectObservable(pull$(counted, { interval: 60_000 }).pipe(map((m) => m.payload)), '^ 3000ms !').toBe(
        '2500ms a',
        { a: 'late' },
      );
      scheduler.flush();
      expect(pulls.starts).toEqual([0, 1000, 2000]); // the third, woken at 2500, brought it
    });
  });

  it('polls every interval without maxPullWaitMs (the default), as against the original server', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const queue = createMemoryQueue();
      cold('2500ms x')
        .pipe(mergeMap(() => queue.client({ node: 'a1' }).push$('b2', 'late')))
        .subscribe();
      expectObservable(
        queue
          .client({ node: 'b2' })
          .pull$({ interval: 1_000 })
          .pipe(map((m) => m.payload)),
        '^ 3500ms !',
      ).toBe('3000ms a', { a: 'late' });
    });
  });

  it('a stop ends a long poll at once: the stream completes at the stop', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const queue = createMemoryQueue({ maxPullWaitMs: 20_000 });
      const stop = hot('500ms s');
      expectObservable(queue.client({ node: 'b2' }).pull$({ stop })).toBe('500ms |');
    });
  });

  it('claims in batches up to the free in-flight slots: one request for three messages', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const queue = createMemoryQueue();
      for (let n = 0; n < 5; n++) queue.client({ node: 'a1' }).push$('b2', { n }).subscribe();
      const consumer = queue.client({ node: 'b2' });
      const batches: number[] = [];
      const counted = withOps(consumer, {
        pullMany$: <T>(options: { readonly max: number; readonly waitMs?: number }) => {
          batches.push(options.max);
          return consumer.pullMany$<T>(options);
        },
      });
      const handled = pull$<{ n: number }>(counted, { maxInFlight: 3, stopWhenEmpty: true }).pipe(
        ackOnComplete(() => cold('10ms x|'), { concurrency: 3 }),
        map((outcome) => outcome.message.payload.n),
      );
      // 0, 1, 2 in one batch, their handlers complete at 11; then 3 and 4 in a batch of up to 3.
      expectObservable(handled).toBe('11ms (abc) 6ms (de|)', { a: 0, b: 1, c: 2, d: 3, e: 4 });
      scheduler.flush();
      expect(batches.slice(0, 2)).toEqual([3, 3]);
      expect(queue.messages().every((m) => m.metadata.status === 'processed')).toBe(true);
    });
  });

  it('offers what the server offers, and nothing when plain', async () => {
    expect(
      (await createMemoryQueue({ maxPullWaitMs: 5_000 }).client({ node: 'b2' }).extensions()).unwrap(),
    ).toEqual({
      nack: true,
      maxBatchPull: 100,
      maxPullWaitMs: 5_000,
      maxBatchAck: 100,
      maxBatchPush: 100,
      maxBatchPushKb: 1024,
      summary: true,
    });
    expect((await createMemoryQueue({ plain: true }).client({ node: 'b2' }).extensions()).unwrap()).toEqual({
      nack: false,
    });
  });
});
