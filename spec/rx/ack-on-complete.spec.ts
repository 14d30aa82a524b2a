import { map, of, throwError, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { SciroccoError } from '../../lib/client/scirocco-error.js';
import { ackOnComplete } from '../../lib/rx/ack-on-complete.js';
import type { AckOutcome } from '../../lib/rx/ack-outcome.js';
import type { FlowEvent } from '../../lib/rx/flow-event.js';
import { pull$ } from '../../lib/rx/pull.js';
import { createMemoryQueue } from '../../lib/testing/create-memory-queue.js';
import { recorder, testScheduler, withOps } from '../support/marbles.js';

function queueWith(payloads: object[], options: { plain?: boolean } = {}) {
  const queue = createMemoryQueue(options);
  const producer = queue.client({ node: 'aa' });
  for (const payload of payloads) producer.push$('bb', payload).subscribe();
  return { queue, consumer: queue.client({ node: 'bb' }) };
}

const statuses = (queue: ReturnType<typeof createMemoryQueue>) =>
  queue
    .messages()
    .map((m) => `${m.metadata.nodeDestination}:${JSON.stringify(m.payload)}:${m.metadata.status}`);

const summary = (outcome: AckOutcome<{ n: number }>) =>
  outcome.status === 'acked'
    ? `${outcome.message.payload.n}:acked`
    : `${outcome.message.payload.n}:${outcome.disposition}`;

const ns = (count: number) => Array.from({ length: count }, (_, n) => ({ n }));

/** Runs 3 deliveries of a flow whose handler fails the first delivery of `{ n: 0 }`, requeueing it. */
function failFirstDeliveryOfN0(consumer: ReturnType<ReturnType<typeof createMemoryQueue>['client']>) {
  const events: FlowEvent[] = [];
  const outcomes: AckOutcome<{ n: number }>[] = [];
  testScheduler().run(() => {
    let failed = false;
    consumer
      .pull$<{ n: number }>({ maxMessages: 3, onEvent: (e) => events.push(e) })
      .pipe(
        ackOnComplete(
          (m) => {
            if (m.payload.n === 0 && !failed) {
              failed = true;
              throw new Error('first try fails');
            }
          },
          { onError: 'requeue', requeueDelay: { initial: 0 } },
        ),
      )
      .subscribe((o) => outcomes.push(o));
  });
  return { events, outcomes };
}

describe('ackOnComplete', () => {
  it('acks each message after its handler completes and emits the outcome with the handler’s last value', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const { queue, consumer } = queueWith(ns(2));
      const outcomes = consumer.pull$<{ n: number }>({ stopWhenEmpty: true }).pipe(
        ackOnComplete((message) => cold('--x-y|', { x: 0, y: message.payload.n * 10 })),
        map((o) => (o.status === 'acked' ? o.result : 'failed')),
      );
      expectObservable(outcomes).toBe('-----a----(b|)', { a: 0, b: 10 });
      cold('20ms x').subscribe(() =>
        expect(statuses(queue)).toEqual(['bb:{"n":0}:processed', 'bb:{"n":1}:processed']),
      );
    });
  });

  it('accepts a Promise, a plain value, or no handler at all', async () => {
    const { queue, consumer } = queueWith(ns(3));
    const results: unknown[] = [];
    await new Promise<void>((resolve) => {
      consumer
        .pull$<{ n: number }>({ stopWhenEmpty: true })
        .pipe(
          ackOnComplete<{ n: number }, string | number>((m) =>
            m.payload.n === 0 ? Promise.resolve('promised') : m.payload.n,
          ),
        )
        .subscribe({ next: (o) => results.push(o.status === 'acked' && o.result), complete: resolve });
    });
    expect(results).toEqual(['promised', 1, 2]);
    expect(statuses(queue).every((s) => s.endsWith(':processed'))).toBe(true);
    const bare = queueWith(ns(2));
    testScheduler().run(({ expectObservable }) => {
      expectObservable(
        bare.consumer.pull$({ stopWhenEmpty: true }).pipe(
          ackOnComplete(),
          map((o) => o.status),
        ),
      ).toBe('(aa|)', { a: 'acked' });
    });
  });

  it('keeps the order with concurrency 1, whatever each handler takes', () => {
    testScheduler().run(({ expectObservable }) => {
      const { consumer } = queueWith(ns(3));
      const durations = [30, 5, 10];
      const outcomes = consumer.pull$<{ n: number }>({ stopWhenEmpty: true }).pipe(
        ackOnComplete((m) => timer(durations[m.payload.n]!)),
        map(summary),
      );
      expectObservable(outcomes).toBe('30ms a 4ms b 9ms (c|)', { a: '0:acked', b: '1:acked', c: '2:acked' });
    });
  });

  it('runs up to `concurrency` handlers, and never has more messages claimed than that (100 due, concurrency 4)', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { queue, consumer } = queueWith(ns(100));
      const handlers = recorder(() => scheduler.now());
      let maxProcessing = 0;
      const outcomes = consumer.pull$<{ n: number }>({ stopWhenEmpty: true }).pipe(
        ackOnComplete(
          () =>
            handlers.track(() => {
              const processing = queue.messages().filter((m) => m.metadata.status === 'processing').length;
              maxProcessing = Math.max(maxProcessing, processing);
              return timer(10);
            }),
          { concurrency: 4 },
        ),
      );
      // four handlers of 10 ms at a time: four outcomes every 10 ms, the last group with the completion
      expectObservable(outcomes.pipe(map(() => 'x'))).toBe(
        '10ms (xxxx)' + ' 4ms (xxxx)'.repeat(23) + ' 4ms (xxxx|)',
      );
      scheduler.flush();
      expect(handlers.maxActive).toBe(4);
      expect(maxProcessing).toBe(4);
      expect(statuses(queue).filter((s) => s.endsWith(':processed'))).toHaveLength(100);
    });
  });

  it("onError 'leave': the message stays processing, the failure is emitted, the stream goes on", () => {
    testScheduler().run(({ expectObservable }) => {
      const { consumer } = queueWith(ns(3));
      const failure = new Error('boom');
      const outcomes = consumer
        .pull$<{ n: number }>({ stopWhenEmpty: true })
        .pipe(ackOnComplete((m) => (m.payload.n === 1 ? throwError(() => failure) : of(m.payload.n))));
      const described = outcomes.pipe(
        map((o) => `${summary(o)}${o.status === 'failed' ? ` ${String(o.error)}` : ''}`),
      );
      expectObservable(described).toBe('(abc|)', { a: '0:acked', b: '1:left Error: boom', c: '2:acked' });
    });
    const { queue, consumer } = queueWith(ns(2));
    testScheduler().run(() => {
      consumer
        .pull$<{ n: number }>({ stopWhenEmpty: true })
        .pipe(
          ackOnComplete((m) => {
            if (m.payload.n === 0) throw new Error('sync');
          }),
        )
        .subscribe();
    });
    expect(statuses(queue)).toEqual(['bb:{"n":0}:processing', 'bb:{"n":1}:processed']);
  });

  it("onError 'requeue' on a plain server: pushes a copy to this node (new id, tries 0, at the end), then acks the original", () => {
    const { queue, consumer } = queueWith(ns(2), { plain: true });
    const { events, outcomes } = failFirstDeliveryOfN0(consumer);
    expect(outcomes.map(summary)).toEqual(['0:requeued', '1:acked', '0:acked']);
    const first = outcomes[0]!;
    expect(first.status === 'failed' && first.copy?.metadata.id).not.toBe(first.message.metadata.id);
    expect(first.status === 'failed' && first.copy?.metadata.tries).toBe(0);
    expect(statuses(queue)).toEqual(['bb:{"n":0}:processed', 'bb:{"n":1}:processed', 'bb:{"n":0}:processed']);
    expect(events.map((e) => e.type)).toEqual([
      'pulled',
      'failed',
      'requeued',
      'pulled',
      'acked',
      'pulled',
      'acked',
    ]);
  });

  it("onError 'requeue' where the server has nack: the message itself goes back, its tries kept", () => {
    const { queue, consumer } = queueWith(ns(2));
    const { events, outcomes } = failFirstDeliveryOfN0(consumer);
    // Nacked, the message goes to the back of the queue, as a copy would, but it is the same one.
    expect(outcomes.map(summary)).toEqual(['0:requeued', '1:acked', '0:acked']);
    const [first, , again] = outcomes;
    expect(first!.status === 'failed' && first!.copy?.metadata.id).toBe(first!.message.metadata.id);
    expect(first!.status === 'failed' && first!.copy?.metadata).toMatchObject({
      status: 'pending',
      tries: 1,
    });
    expect(again!.message.metadata).toMatchObject({ id: first!.message.metadata.id, tries: 2 });
    expect(statuses(queue)).toEqual(['bb:{"n":0}:processed', 'bb:{"n":1}:processed']);
    expect(events.map((e) => e.type)).toEqual([
      'pulled',
      'failed',
      'requeued',
      'pulled',
      'acked',
      'pulled',
      'acked',
    ]);
  });

  it('onError deadLetter: pushes a copy to the dead-letter node, then acks the original', () => {
    const { queue, consumer } = queueWith(ns(1));
    let outcome: AckOutcome<{ n: number }> | undefined;
    testScheduler().run(() => {
      consumer
        .pull$<{ n: number }>({ stopWhenEmpty: true })
        .pipe(ackOnComplete(() => throwError(() => new Error('poison')), { onError: { deadLetter: 'dead' } }))
        .subscribe((o) => (outcome = o));
    });
    expect(outcome && summary(outcome)).toBe('0:dead-lettered');
    expect(statuses(queue)).toEqual(['bb:{"n":0}:processed', 'dead:{"n":0}:pending']);
    expect(queue.messages()[1]!.metadata.nodeSource).toBe('bb');
  });

  it('retries an ack that fails retryably, with backoff, and reports one that finally fails', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { queue, consumer } = queueWith(ns(2));
      const acks = recorder(() => scheduler.now());
      let calls = 0;
      const flaky = withOps(consumer, {
        ack$: <T>(id: string) =>
          acks.track(() => {
            calls++;
            const fails = calls <= 2 || calls >= 4;
            return fails
              ? throwError(() => new SciroccoError('server', 'ack: 503', { operation: 'ack', status: 503 }))
              : consumer.ack$<T>(id);
          }),
      });
      const outcomes = pull$<{ n: number }>(flaky, { stopWhenEmpty: true }).pipe(
        ackOnComplete(undefined, { backoff: { initial: 10, jitter: 0, retries: 2 } }),
        map((o) => (o.status === 'acked' ? 'acked' : `${o.stage}:${(o.error as SciroccoError).kind}`)),
      );
      // first: fails, 10 ms, fails, 20 ms, succeeds at 30; second: fails, fails at 40, fails at 60 → reported
      expectObservable(outcomes).toBe('30ms a 29ms (b|)', { a: 'acked', b: 'ack:server' });
      scheduler.flush();
      expect(acks.starts).toEqual([0, 10, 30, 30, 40, 60]);
      expect(statuses(queue)).toEqual(['bb:{"n":0}:processed', 'bb:{"n":1}:processing']);
    });
  });

  it('refuses bad options at once', () => {
    expect(() => ackOnComplete(undefined, { concurrency: 0 })).toThrow(
      'ackOnComplete: concurrency must be a positive whole number, got 0',
    );
    expect(() => ackOnComplete(undefined, { onError: { deadLetter: 'xyz' } })).toThrow(
      'ackOnComplete: deadLetter node id must be a non-empty hexadecimal string (0-9, a-f, A-F), got "xyz"',
    );
    expect(() => ackOnComplete(undefined, { onError: 'retry' as 'leave' })).toThrow(
      `ackOnComplete: onError must be 'leave', 'requeue' or { deadLetter: node }, got "retry"`,
    );
  });
});
