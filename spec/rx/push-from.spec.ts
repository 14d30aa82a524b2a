import { delay, map, of, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { SciroccoError } from '../../lib/client/scirocco-error.js';
import { ackOnComplete } from '../../lib/rx/ack-on-complete.js';
import { pushFrom, PushBufferOverflowError } from '../../lib/rx/push-from.js';
import { pushTo } from '../../lib/rx/push-to.js';
import { createMemoryQueue } from '../../lib/testing/create-memory-queue.js';
import { recorder, testScheduler, withOps } from '../support/marbles.js';

const serverError = () =>
  new SciroccoError('server', 'push POST /messageQueue: 503', { operation: 'push', status: 503 });

describe('pushFrom', () => {
  it('pushes each item as it comes and emits the pushed messages, in order with concurrency 1', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const queue = createMemoryQueue();
      const producer = queue.client({ node: 'aa' });
      const source = cold('a-b--c|', { a: { n: 1 }, b: 'two', c: new Uint8Array([3]) });
      const pushed = producer.pushFrom(source, { to: 'bb', payloadType: 'reading' });
      expectObservable(
        pushed.pipe(map((m) => [m.metadata.nodeDestination, m.metadata.payloadType, m.payload])),
      ).toBe('a-b--c|', {
        a: ['bb', 'reading', { n: 1 }],
        b: ['bb', 'reading', 'two'],
        c: ['bb', 'reading', new Uint8Array([3])],
      });
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('keeps at most `concurrency` pushes in flight and buffers the rest', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const producer = createMemoryQueue().client({ node: 'aa' });
      const pushes = recorder(() => scheduler.now());
      const slow = withOps(producer, {
        push$: (to, payload, options) =>
          pushes.track(() => producer.push$(to, payload, options).pipe(delay(10))),
      });
      const source = hot('(abcde)|', { a: 'a', b: 'b', c: 'c', d: 'd', e: 'e' });
      expectObservable(pushFrom(slow, source, { to: 'bb', concurrency: 2 }).pipe(map((m) => m.payload))).toBe(
        '10ms (ab) 6ms (cd) 6ms (e|)',
        { a: 'a', b: 'b', c: 'c', d: 'd', e: 'e' },
      );
      scheduler.flush();
      expect(pushes.maxActive).toBe(2);
      expect(pushes.starts).toEqual([0, 0, 10, 10, 20]);
    });
  });

  it('errors with PushBufferOverflowError when a hot source gets more than maxBuffered items ahead', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const producer = createMemoryQueue().client({ node: 'aa' });
      const slow = withOps(producer, { push$: (to, payload) => producer.push$(to, payload).pipe(delay(10)) });
      const source = hot('abcd', { a: 'a', b: 'b', c: 'c', d: 'd' });
      expectObservable(pushFrom(slow, source, { to: 'bb', maxBuffered: 2 })).toBe(
        '---#',
        undefined,
        new PushBufferOverflowError(2, ['a', 'b', 'c', 'd']),
      );
    });
    expect(new PushBufferOverflowError(2).message).toBe(
      'pushFrom: more than 2 items are waiting for a push slot (maxBuffered); the source is faster than the server: raise concurrency or maxBuffered, or slow the source',
    );
  });

  it('retries retryable push failures with backoff, keeping the order', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const producer = createMemoryQueue().client({ node: 'aa' });
      const pushes = recorder(() => scheduler.now());
      let calls = 0;
      const flaky = withOps(producer, {
        push$: (to, payload, options) =>
          pushes.track(() =>
            ++calls <= 2 ? throwError(() => serverError()) : producer.push$(to, payload, options),
          ),
      });
      const pushed = pushFrom(flaky, cold('(ab|)', { a: 'a', b: 'b' }), {
        to: 'bb',
        backoff: { initial: 5, jitter: 0 },
      });
      expectObservable(pushed.pipe(map((m) => m.payload))).toBe('15ms (ab|)', { a: 'a', b: 'b' });
      scheduler.flush();
      expect(pushes.starts).toEqual([0, 5, 15, 15]);
    });
  });

  it('errors with the SciroccoError naming the item when a push fails for good', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const producer = createMemoryQueue().client({ node: 'aa' });
      const source = cold('a-b-c|', { a: 'fine', b: '', c: 'never' });
      const pushed = producer.pushFrom(source, { to: 'bb' }).pipe(map((m) => m.payload));
      const expected = new SciroccoError('invalid-argument', 'push: payload must not be empty', {
        operation: 'push',
        item: '',
        unpushed: [],
      });
      expectObservable(pushed).toBe('a-#', { a: 'fine' }, expected);
    });
  });

  it('names in the error every other item it took and did not push: in flight and waiting', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const producer = createMemoryQueue().client({ node: 'aa' });
      const refused = new SciroccoError('validation', 'push POST /messageQueue: 400', { operation: 'push' });
      // b is refused after 10 ms, while a is still in flight and c, d, e wait for a slot
      const slow = withOps(producer, {
        push$: (to, payload, options) =>
          payload === 'b'
            ? cold('10ms #', undefined, refused)
            : producer.push$(to, payload, options).pipe(delay(20)),
      });
      const source = cold('(abcde|)', { a: 'a', b: 'b', c: 'c', d: 'd', e: 'e' });
      const pushed = pushFrom(slow, source, { to: 'bb', concurrency: 2 });
      expectObservable(pushed).toBe('10ms #', undefined, refused.withItem('b', ['a', 'c', 'd', 'e']));
    });
  });

  it('names the items it held when a hot source overflows maxBuffered', () => {
    testScheduler().run(({ hot }) => {
      const producer = createMemoryQueue().client({ node: 'aa' });
      const slow = withOps(producer, {
        push$: (to, payload, options) => producer.push$(to, payload, options).pipe(delay(50)),
      });
      let caught: PushBufferOverflowError | undefined;
      pushFrom(slow, hot('-a-b-c-d-|', { a: 'a', b: 'b', c: 'c', d: 'd' }), {
        to: 'bb',
        maxBuffered: 1,
      }).subscribe({
        error: (error: PushBufferOverflowError) => (caught = error),
      });
      hot('20ms x').subscribe(() => {
        expect(caught?.unpushed).toEqual(['a', 'b', 'c']);
      });
    });
  });

  it('schedules by item', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const queue = createMemoryQueue();
      const producer = queue.client({ node: 'aa' });
      const consumer = queue.client({ node: 'bb' });
      producer
        .pushFrom(cold('(ab|)', { a: { at: 30 }, b: { at: 0 } }), {
          to: 'bb',
          scheduledAt: (item) => (item.at ? new Date(item.at) : undefined),
        })
        .subscribe();
      const received = consumer
        .pull$<{ at: number }>({ interval: 10 })
        .pipe(ackOnComplete((m) => m.payload.at));
      expectObservable(received.pipe(map((o) => o.status === 'acked' && o.result)), '^ 45ms !').toBe(
        'b 29ms a',
        { a: 30, b: 0 },
      );
    });
  });

  it('has a pipeable form, pushTo', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const producer = createMemoryQueue().client({ node: 'aa' });
      expectObservable(
        cold('a|', { a: [1, 2] }).pipe(
          pushTo(producer, 'bb'),
          map((m) => m.payload),
        ),
      ).toBe('a|', { a: [1, 2] });
    });
  });

  it('reads an AsyncIterable lazily: never more than `concurrency` items taken ahead of their push', async () => {
    const producer = createMemoryQueue().client({ node: 'aa' });
    let taken = 0;
    let pushedCount = 0;
    let maxAhead = 0;
    async function* items() {
      for (let n = 0; n < 50; n++) {
        await Promise.resolve();
        taken++;
        maxAhead = Math.max(maxAhead, taken - pushedCount);
        yield { n };
      }
    }
    const slow = withOps(producer, { push$: (to, payload) => producer.push$(to, payload).pipe(delay(1)) });
    const payloads: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      pushFrom(slow, items(), { to: 'bb', concurrency: 3 }).subscribe({
        next: (m) => {
          pushedCount++;
          payloads.push(m.payload);
        },
        error: reject,
        complete: resolve,
      });
    });
    expect(payloads).toHaveLength(50);
    expect(maxAhead).toBeLessThanOrEqual(3);
  });

  it('accepts arrays and other ObservableInputs', async () => {
    const producer = createMemoryQueue().client({ node: 'aa' });
    const fromArray: unknown[] = [];
    await new Promise<void>((resolve) =>
      producer
        .pushFrom(['x', 'y'], { to: 'bb' })
        .subscribe({ next: (m) => fromArray.push(m.payload), complete: resolve }),
    );
    expect(fromArray).toEqual(['x', 'y']);
    expect(() => producer.pushFrom(of('x'), { to: 'bb', concurrency: 0 })).toThrow(
      'pushFrom: concurrency must be a positive whole number, got 0',
    );
  });
});
