import { delay, map, mergeMap, throwError, timer, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { SciroccoError } from '../../lib/client/scirocco-error.js';
import type { FlowEvent } from '../../lib/rx/flow-event.js';
import { pull$ } from '../../lib/rx/pull.js';
import { createMemoryQueue } from '../../lib/testing/create-memory-queue.js';
import { authError, networkError, recorder, testScheduler, withOps } from '../support/marbles.js';

/** A queue with `count` messages { n } due for node bb, and bb's client. */
function queueWith(count: number, options: { plain?: boolean } = {}) {
  const queue = createMemoryQueue(options);
  const producer = queue.client({ node: 'aa' });
  for (let n = 0; n < count; n++) producer.push$('bb', { n }).subscribe();
  return { queue, producer, consumer: queue.client({ node: 'bb' }) };
}

const payloads = <T>(source: Observable<{ payload: T }>) => source.pipe(map((m) => m.payload));

describe('pull$', () => {
  it('drains due messages at once, then completes at the first empty poll with stopWhenEmpty', () => {
    testScheduler().run(({ expectObservable }) => {
      const { consumer } = queueWith(3);
      const messages = consumer.pull$({ maxInFlight: 4, stopWhenEmpty: true });
      expectObservable(payloads(messages)).toBe('(abc|)', { a: { n: 0 }, b: { n: 1 }, c: { n: 2 } });
    });
  });

  it('waits `interval` after an empty poll, then pulls again', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const { producer, consumer } = queueWith(0);
      cold('25ms x')
        .pipe(mergeMap(() => producer.push$('bb', 'late')))
        .subscribe();
      expectObservable(payloads(consumer.pull$({ interval: 10 })), '^ 50ms !').toBe('30ms a', { a: 'late' });
    });
  });

  it('never overlaps polls, however slow the server', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { consumer } = queueWith(0);
      const pulls = recorder(() => scheduler.now());
      const slow = withOps(consumer, {
        pullNext$: <T>() => pulls.track(() => consumer.pullNext$<T>().pipe(delay(30))),
      });
      expectObservable(pull$(slow, { interval: 10 }), '^ 100ms !').toBe('');
      scheduler.flush();
      expect(pulls.starts).toEqual([0, 40, 80]);
      expect(pulls.maxActive).toBe(1);
    });
  });

  it('backs off exponentially after retryable errors, and resets after a success', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { consumer } = queueWith(2);
      const pulls = recorder(() => scheduler.now());
      const script = [false, false, false, true, false, true];
      let call = 0;
      const flaky = withOps(consumer, {
        pullNext$: <T>() =>
          pulls.track(() => (script[call++] ? consumer.pullNext$<T>() : throwError(() => networkError()))),
      });
      const events: FlowEvent[] = [];
      const messages = pull$(flaky, {
        maxInFlight: 5,
        maxMessages: 2,
        backoff: { initial: 10, factor: 2, jitter: 0 },
        onEvent: (event) => events.push(event),
      });
      expectObservable(payloads(messages)).toBe('70ms a 9ms (b|)', { a: { n: 0 }, b: { n: 1 } });
      scheduler.flush();
      expect(pulls.starts).toEqual([0, 10, 30, 70, 70, 80]);
      expect(events.flatMap((e) => (e.type === 'backing-off' ? [e.delayMs] : []))).toEqual([10, 20, 40, 10]);
      expect(events.filter((e) => e.type === 'retried')).toHaveLength(4);
    });
  });

  it('applies jitter below the exponential delay', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { consumer } = queueWith(0);
      const pulls = recorder(() => scheduler.now());
      const failing = withOps(consumer, {
        pullNext$: () => pulls.track(() => throwError(() => networkError())),
      });
      // 100 × (1 − 0.5 × 0.5) = 75, then 200 × 0.75 = 150, then 400 × 0.75 = 300
      expectObservable(
        pull$(failing, { backoff: { initial: 100, jitter: 0.5, random: () => 0.5 } }),
        '^ 600ms !',
      ).toBe('');
      scheduler.flush();
      expect(pulls.starts).toEqual([0, 75, 225, 525]);
    });
  });

  it('errors the stream with a fatal error', () => {
    testScheduler().run(({ expectObservable }) => {
      const { consumer } = queueWith(1);
      const fatal = withOps(consumer, { pullNext$: () => throwError(() => authError()) });
      expectObservable(pull$(fatal)).toBe('#', undefined, authError());
    });
  });

  it('completes after maxMessages', () => {
    testScheduler().run(({ expectObservable }) => {
      const { consumer } = queueWith(5);
      expectObservable(payloads(consumer.pull$({ maxInFlight: 5, maxMessages: 2 }))).toBe('(ab|)', {
        a: { n: 0 },
        b: { n: 1 },
      });
    });
  });

  it('starts no pull while paused, and pulls at once when resumed', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const { producer, consumer } = queueWith(0);
      cold('3ms x')
        .pipe(mergeMap(() => producer.push$('bb', 'm')))
        .subscribe();
      const pause = hot('--t 22ms f', { t: true, f: false });
      expectObservable(payloads(consumer.pull$({ interval: 10, pause })), '^ 40ms !').toBe('25ms a', {
        a: 'm',
      });
      expectSubscriptions(pause.subscriptions).toBe('^ 40ms !');
    });
  });

  it('keeps at most maxInFlight messages emitted and not acked or released', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const { queue, consumer } = queueWith(4);
      const messages = consumer.pull$({ maxInFlight: 2, interval: 10 });
      const released = messages.pipe(
        mergeMap((message) => {
          const n = (message.payload as { n: number }).n;
          return timer(n < 2 ? 20 : 5).pipe(
            mergeMap(() => message.ack()),
            map(() => n),
          );
        }),
      );
      expectObservable(released, '^ 60ms !').toBe('20ms (ab) 1ms (cd)', { a: 0, b: 1, c: 2, d: 3 });
      // c and d were claimed only when a and b were acked, at 20
      cold('19ms x').subscribe(() =>
        expect(queue.messages().map((m) => m.metadata.status)).toEqual([
          'processing',
          'processing',
          'pending',
          'pending',
        ]),
      );
    });
  });

  it('on unsubscribe cancels the timer: no poll after it', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { consumer } = queueWith(0);
      const pulls = recorder(() => scheduler.now());
      const tracked = withOps(consumer, { pullNext$: <T>() => pulls.track(() => consumer.pullNext$<T>()) });
      expectObservable(pull$(tracked, { interval: 10 }), '^ 14ms !').toBe('');
      scheduler.flush();
      expect(pulls.starts).toEqual([0, 10]);
    });
  });

  it.each([
    ['nacks it back where the server has nack', false, [['pending', { n: 0 }, 1]]],
    [
      'pushes a copy and acks it on a plain server',
      true,
      [
        ['processed', { n: 0 }, 1],
        ['pending', { n: 0 }, 0],
      ],
    ],
  ] as const)('on unsubscribe during a pull lets it finish and %s', (_, plain, left) => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { queue, consumer } = queueWith(1, { plain });
      const events: FlowEvent[] = [];
      const slow = withOps(consumer, { pullNext$: <T>() => consumer.pullNext$<T>().pipe(delay(20)) });
      expectObservable(pull$(slow, { onEvent: (e) => events.push(e) }), '^ 10ms !').toBe('');
      scheduler.flush();
      expect(events.map((e) => e.type)).toEqual(['pulled', 'handed-back']);
      expect(queue.messages().map((m) => [m.metadata.status, m.payload, m.metadata.tries])).toEqual(left);
    });
  });

  it('with onUnsubscribe strand, reports the message left processing', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { queue, consumer } = queueWith(1);
      const events: FlowEvent[] = [];
      const slow = withOps(consumer, { pullNext$: <T>() => consumer.pullNext$<T>().pipe(delay(20)) });
      expectObservable(
        pull$(slow, { onUnsubscribe: 'strand', onEvent: (e) => events.push(e) }),
        '^ 10ms !',
      ).toBe('');
      scheduler.flush();
      expect(events).toMatchObject([
        { type: 'pulled' },
        { type: 'stranded', reason: 'claimed after the subscriber unsubscribed' },
      ]);
      expect(queue.messages().map((m) => m.metadata.status)).toEqual(['processing']);
    });
  });

  it('stops gracefully: no new pull, the one in flight is emitted, then it completes', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const { queue, consumer } = queueWith(3);
      const slow = withOps(consumer, { pullNext$: <T>() => consumer.pullNext$<T>().pipe(delay(10)) });
      const stop = hot('15ms s');
      const messages = pull$(slow, { stop, maxInFlight: 5 });
      expectObservable(payloads(messages)).toBe('10ms a 9ms (b|)', { a: { n: 0 }, b: { n: 1 } });
      expectSubscriptions(stop.subscriptions).toBe('^ 19ms !');
      scheduler.flush();
      expect(queue.messages().map((m) => m.metadata.status)).toEqual(['processing', 'processing', 'pending']);
    });
  });

  it('never waits out a backoff to stop: a stop during a pull that then fails completes at once', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const { consumer } = queueWith(1);
      const failing = withOps(consumer, {
        pullNext$: () => cold('10ms #', undefined, networkError()),
      });
      const stop = hot('5ms s');
      expectObservable(pull$(failing, { stop, backoff: { initial: 10_000, jitter: 0 } })).toBe('10ms |');
    });
  });

  it('never waits out a backoff to stop: a stop while backing off completes at once', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const { consumer } = queueWith(1);
      const failing = withOps(consumer, {
        pullNext$: () => cold('1ms #', undefined, networkError()),
      });
      expectObservable(pull$(failing, { stop: hot('50ms s'), backoff: { initial: 10_000, jitter: 0 } })).toBe(
        '50ms |',
      );
    });
  });

  it('reports possibly-stranded when a pull times out: the server may have claimed a message for it', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const { queue, consumer } = queueWith(2);
      let pulls = 0;
      const timeout = new SciroccoError('timeout', 'pull GET /messageQueue: no answer in time', {
        operation: 'pull',
      });
      // The first pull claims a message on the server, but its answer never comes back.
      const lossy = withOps(consumer, {
        pullNext$: <T>() =>
          ++pulls === 1
            ? consumer.pullNext$<T>().pipe(
                map(() => {
                  throw timeout;
                }),
              )
            : consumer.pullNext$<T>(),
      });
      const events: FlowEvent[] = [];
      const messages = pull$(lossy, {
        maxMessages: 1,
        backoff: { initial: 5, jitter: 0 },
        onEvent: (event) => events.push(event),
      });
      expectObservable(payloads(messages)).toBe('5ms (a|)', { a: { n: 1 } });
      cold('10ms x').subscribe(() => {
        expect(events.filter((event) => event.type === 'possibly-stranded')).toEqual([
          { type: 'possibly-stranded', node: 'bb', error: timeout },
        ]);
        expect(queue.messages()[0]!.metadata.status).toBe('processing');
      });
    });
  });

  it('stops gracefully when the stop Observable completes (as takeUntilDestroyed makes it)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const { consumer } = queueWith(0);
      expectObservable(consumer.pull$({ interval: 5, stop: cold('7ms |') })).toBe('7ms |');
    });
  });

  it('stops gracefully on an AbortSignal', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const { consumer } = queueWith(0);
      const controller = new AbortController();
      cold('12ms x').subscribe(() => controller.abort());
      expectObservable(consumer.pull$({ interval: 5, stop: controller.signal })).toBe('12ms |');
    });
  });

  it('reports pulled and empty events to the option and to the client', () => {
    const seen: string[] = [];
    const all: string[] = [];
    testScheduler().run(({ expectObservable }) => {
      const { consumer } = queueWith(1);
      consumer.events$.subscribe((e) => all.push(e.type));
      const messages = consumer.pull$({
        stopWhenEmpty: true,
        maxInFlight: 2,
        onEvent: (e) => seen.push(e.type),
      });
      expectObservable(messages.pipe(map(() => 'x'))).toBe('(x|)');
    });
    expect(seen).toEqual(['pulled', 'empty']);
    expect(all).toEqual(['pulled', 'empty']);
  });

  it('refuses bad options at once', () => {
    const { consumer } = queueWith(0);
    expect(() => consumer.pull$({ interval: 0 })).toThrow('pull$: interval must be a positive number, got 0');
    expect(() => consumer.pull$({ maxMessages: 1.5 })).toThrow(
      'pull$: maxMessages must be a positive whole number, got 1.5',
    );
    expect(() => consumer.pull$({ maxInFlight: -1 })).toThrow(
      'pull$: maxInFlight must be a positive whole number, got -1',
    );
    expect(() => consumer.pull$({ backoff: { factor: 0.5 } })).toThrow(
      'backoff.factor must be a number >= 1, got 0.5',
    );
  });
});
