import { defer, delay, map, of, type Observable } from 'rxjs';
import { Err } from 'ts-results-es';
import { describe, expect, it } from 'vitest';
import { SciroccoError } from '../../lib/client/scirocco-error.js';
import { pushFrom } from '../../lib/rx/push-from.js';
import type { QueueOps } from '../../lib/rx/queue-ops.js';
import { createMemoryQueue } from '../../lib/testing/create-memory-queue.js';
import { useLoggedServers } from '../support/logged-server.js';
import { testScheduler, withOps } from '../support/marbles.js';

/** A producer whose pushes take 10 ms each, one request or many; its requests as `frame: size`. */
function slowProducer(now: () => number, plain = false) {
  const queue = createMemoryQueue({ plain });
  const producer = queue.client({ node: 'aa' });
  const requests: string[] = [];
  const slow = <T>(size: number, work: () => Observable<T>) =>
    defer(() => {
      requests.push(`${now()}: ${size === 0 ? 'one' : `many ${size}`}`);
      return work().pipe(delay(10));
    });
  const ops: QueueOps = withOps(producer, {
    push$: (to, payload, options) => slow(0, () => producer.push$(to, payload, options)),
    pushMany$: (messages) => slow(messages.length, () => producer.pushMany$(messages)),
  });
  return { queue, ops, requests };
}

const letters = { a: 'a', b: 'b', c: 'c', d: 'd', e: 'e' };

describe('pushFrom: batch pushes when the source runs ahead', () => {
  it('pushes the items that waited for a slot in one request, in order', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const { ops, requests, queue } = slowProducer(() => scheduler.now());
      const source = hot('(abcde)|', letters);
      // a finds the slot free and goes alone; b to e wait for it, then go together.
      expectObservable(pushFrom(ops, source, { to: 'bb' }).pipe(map((m) => m.payload))).toBe(
        '10ms a 9ms (bcde|)',
        letters,
      );
      scheduler.flush();
      expect(requests).toEqual(['0: one', '10: many 4']);
      expect(queue.messages().map((m) => m.payload)).toEqual(['a', 'b', 'c', 'd', 'e']);
    });
  });

  it('keeps one push per item against a server without batch pushes', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const { ops, requests } = slowProducer(() => scheduler.now(), true);
      const source = hot('(abc)|', letters);
      expectObservable(pushFrom(ops, source, { to: 'bb' }).pipe(map((m) => m.payload))).toBe(
        '10ms a 9ms b 9ms (c|)',
        letters,
      );
      scheduler.flush();
      expect(requests).toEqual(['0: one', '10: one', '20: one']);
    });
  });

  it('counts a batch’s items out of the buffer: maxBuffered bounds the items waiting', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const { ops } = slowProducer(() => scheduler.now());
      // b and c wait (2 ≤ maxBuffered); at 10 they go together, so d and e never overflow.
      const source = hot('(abc) 9ms (de)|', letters);
      expectObservable(pushFrom(ops, source, { to: 'bb', maxBuffered: 2 }).pipe(map((m) => m.payload))).toBe(
        '10ms a 9ms (bc) 6ms (de|)',
        letters,
      );
    });
  });

  it('pushes again alone an item the server refused retryably; the others of its batch stand', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const { ops, queue } = slowProducer(() => scheduler.now());
      let refusals = 1;
      const full = new SciroccoError('queue-full', 'pushMany POST /messageQueue/batch: 507 full', {
        operation: 'pushMany',
        status: 507,
      });
      const refusing = withOps(ops, {
        // The second message of the first batch is refused (not stored); the others are.
        pushMany$: (messages) => {
          if (refusals-- <= 0 || messages.length < 2) return ops.pushMany$!(messages);
          return ops.pushMany$!(messages.filter((_m, n) => n !== 1)).pipe(
            map((outcomes) => [outcomes[0]!, Err(full), ...outcomes.slice(1)]),
          );
        },
      });
      const source = hot('(abcd)|', letters);
      const backoff = { initial: 100, jitter: 0 };
      // a alone (0-10), then b, c, d together (10-20): c is refused, pushed again alone at 20.
      expectObservable(pushFrom(refusing, source, { to: 'bb', backoff }).pipe(map((m) => m.payload))).toBe(
        '10ms a 9ms b 9ms (cd|)',
        letters,
      );
      scheduler.flush();
      expect(queue.messages().map((m) => m.payload)).toEqual(['a', 'b', 'd', 'c']);
    });
  });

  it('names the item the client refuses, after pushing the ones before it in the batch', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const { ops, queue } = slowProducer(() => scheduler.now());
      const source = hot('(abcd)|', { a: 'a', b: 'b', c: '', d: 'd' });
      const pushed = pushFrom(ops, source, { to: 'bb' }).pipe(map((m) => m.payload));
      expectObservable(pushed).toBe(
        '10ms a 9ms (b#)',
        letters,
        new SciroccoError('invalid-argument', 'push: payload must not be empty', {
          operation: 'push',
          item: '',
          unpushed: ['d'],
        }),
      );
      scheduler.flush();
      expect(queue.messages().map((m) => m.payload)).toEqual(['a', 'b']);
    });
  });
});

const serve = useLoggedServers();

describe('pushFrom over HTTP: batches against this server', () => {
  it.each([
    ['an array', () => Array.from({ length: 250 }, (_, n) => ({ n }))],
    [
      'an AsyncIterable',
      () =>
        (async function* () {
          for (let n = 0; n < 250; n++) {
            await Promise.resolve();
            yield { n };
          }
        })(),
    ],
  ])('pushes %s of 250 items in a few requests, the queue in their order', async (_name, source) => {
    const { lines, client } = await serve();
    const producer = client('aa');
    const pushed: number[] = [];
    await new Promise<void>((resolve, reject) => {
      producer.pushFrom(source(), { to: 'bb' }).subscribe({
        next: (message) => pushed.push(message.payload.n),
        error: reject,
        complete: resolve,
      });
    });
    expect(pushed).toEqual(Array.from({ length: 250 }, (_, n) => n));
    const posts = lines.filter((line) => line.method === 'POST');
    expect(posts.length).toBeLessThan(20);
    expect(posts.some((line) => line.path === '/messageQueue/batch')).toBe(true);
    const stored: number[] = [];
    const consumer = client('bb');
    for (;;) {
      const batch = (await consumer.pullMany<{ n: number }>({ max: 100 })).unwrap();
      if (batch.length === 0) break;
      stored.push(...batch.map((message) => message.payload.n));
    }
    expect(stored).toEqual(pushed);
  });

  it('pushes one item per request against a plain server', async () => {
    const { lines, client } = await serve({ plain: true });
    const items = of({ n: 1 }, { n: 2 }, { n: 3 });
    await new Promise<void>((resolve, reject) => {
      client('aa').pushFrom(items, { to: 'bb' }).subscribe({ error: reject, complete: resolve });
    });
    expect(lines.filter((line) => line.method === 'POST').map((line) => line.path)).toEqual(
      Array<string>(3).fill('/messageQueue'),
    );
  });
});
