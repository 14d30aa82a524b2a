import {
  bufferTime,
  concatMap,
  delay,
  defer,
  filter,
  forkJoin,
  from,
  map,
  mergeMap,
  tap,
  timer,
  type OperatorFunction,
} from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { SciroccoError } from '../../lib/client/scirocco-error.js';
import { createClient } from '../../lib/create-client.js';
import { ackOnComplete } from '../../lib/rx/ack-on-complete.js';
import type { AckOutcome } from '../../lib/rx/ack-outcome.js';
import type { SciroccoMessage } from '../../lib/protocol/message-metadata.js';
import { HandlerTimeoutError } from '../../lib/rx/handler-timeout-error.js';
import type { FlowEvent } from '../../lib/rx/flow-event.js';
import { pull$ } from '../../lib/rx/pull.js';
import type { ReceivedMessage } from '../../lib/rx/received-message.js';
import { skipMessages } from '../../lib/rx/skip-messages.js';
import { batchMessages } from '../../lib/rx/batch-messages.js';
import { flowLedger } from '../../lib/rx/flow-ledger.js';
import type { SciroccoClient } from '../../lib/rx/scirocco-client.js';
import { createMemoryQueue } from '../../lib/testing/create-memory-queue.js';
import { recorder, testScheduler, withOps } from '../support/marbles.js';
import { useServer } from '../support/server.js';

type Reading = { n: number };
type Scaled = { n: number; scaled: number };

/** What users put between `pull$` and `ackOnComplete`: each makes new message objects. */
const BETWEEN: readonly [
  string,
  () => OperatorFunction<ReceivedMessage<Reading>, ReceivedMessage<Scaled, Reading>>,
][] = [
  [
    'map with a spread copy',
    () => map((m) => ({ ...m, payload: { ...m.payload, scaled: m.payload.n * 10 } })),
  ],
  [
    'mergeMap to a spread copy',
    () => mergeMap((m) => [{ ...m, payload: { n: m.payload.n, scaled: m.payload.n * 10 } }]),
  ],
  [
    'concatMap and delay',
    () =>
      concatMap((m) =>
        timer(0).pipe(map(() => ({ ...m, payload: { n: m.payload.n, scaled: m.payload.n * 10 } }))),
      ),
  ],
];

const outcomeOf = (outcome: AckOutcome<Scaled, unknown, Reading>) =>
  outcome.status === 'acked' ? 'acked' : `${outcome.stage}:${outcome.disposition}`;

describe('operators between pull$ and ackOnComplete (memory queue, virtual time)', () => {
  const SERVERS = [
    ['with nack', false],
    ['plain', true],
  ] as const;
  const CASES = BETWEEN.flatMap(([name, between]) =>
    SERVERS.map(([server, plain]) => [name, server, between, plain] as const),
  );
  it.each(CASES)(
    '%s (%s): concurrency, requeue, dead letters and events all hold',
    (_, _server, between, plain) => {
      testScheduler().run(({ cold, flush }) => {
        const queue = createMemoryQueue({ plain });
        const producer = queue.client({ node: 'aa' });
        for (let n = 0; n < 12; n++) producer.push$('bb', { n }).subscribe();
        const consumer = queue.client({ node: 'bb' });
        const events: FlowEvent[] = [];
        const handlers = recorder(() => 0);
        const failedOnce = new Set<number>();
        const outcomes: string[] = [];
        const subscription = consumer
          .pull$<Reading>({ interval: 5, onEvent: (event) => events.push(event) })
          .pipe(
            between(),
            ackOnComplete(
              (message) =>
                handlers.track(() => {
                  const { n } = message.payload;
                  // n % 3 === 0 fails its first delivery: requeued (nacked, or as a copy), then acked
                  if (n % 3 === 0 && !failedOnce.has(n)) {
                    failedOnce.add(n);
                    return cold('---#', undefined, new Error(`boom ${n}`));
                  }
                  return cold('---x|', { x: message.payload.scaled });
                }),
              { concurrency: 4, onError: 'requeue', requeueDelay: { initial: 0 } },
            ),
          )
          .subscribe((outcome) => outcomes.push(outcomeOf(outcome)));
        cold('200ms x').subscribe(() => subscription.unsubscribe());
        flush();
        expect(handlers.maxActive).toBe(4);
        expect(outcomes.filter((o) => o === 'acked')).toHaveLength(12);
        expect(outcomes.filter((o) => o === 'handler:requeued')).toHaveLength(4);
        const requeued = events.filter((e) => e.type === 'requeued');
        expect(requeued).toHaveLength(4);
        // Nacked, a message goes back itself; on a plain server, a copy with a new id does.
        expect(requeued.every((e) => (e.copy.id === e.message.id) === !plain)).toBe(true);
        expect(events.filter((e) => e.type === 'failed')).toHaveLength(4);
        const statuses = queue.messages().map((m) => m.metadata.status);
        expect(statuses.filter((s) => s === 'processing')).toEqual([]);
        expect(statuses.filter((s) => s === 'processed')).toHaveLength(plain ? 16 : 12);
      });
    },
  );

  it('a copy dead-letters with the policy of ackOnComplete', () => {
    testScheduler().run(({ cold, flush }) => {
      const queue = createMemoryQueue();
      for (let n = 0; n < 3; n++) queue.client({ node: 'aa' }).push$('bb', { n }).subscribe();
      const events: FlowEvent[] = [];
      const outcomes: string[] = [];
      const subscription = queue
        .client({ node: 'bb' })
        .pull$<Reading>({ interval: 5, onEvent: (event) => events.push(event) })
        .pipe(
          map((m) => ({ ...m, payload: { n: m.payload.n, scaled: 0 } })),
          ackOnComplete(() => cold('-#'), { concurrency: 2, onError: { deadLetter: 'dead' } }),
        )
        .subscribe((outcome) => outcomes.push(outcomeOf(outcome)));
      cold('50ms x').subscribe(() => subscription.unsubscribe());
      flush();
      expect(outcomes).toEqual(['handler:dead-lettered', 'handler:dead-lettered', 'handler:dead-lettered']);
      expect(events.filter((e) => e.type === 'dead-lettered')).toHaveLength(3);
      const dead = queue.messages().filter((m) => m.metadata.nodeDestination === 'dead');
      // the original payload goes to the dead-letter node, not the mapped copy's
      expect(dead.map((m) => m.payload)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
      expect(queue.messages().filter((m) => m.metadata.status === 'processing')).toEqual([]);
    });
  });

  it('retries the ack of a copy on the scheduler its pull$ was given', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    const queue = createMemoryQueue({ scheduler });
    queue.client({ node: 'aa' }).push$('bb', { n: 1 }).subscribe();
    const consumer = queue.client({ node: 'bb' });
    let acks = 0;
    const flaky = withOps(consumer, {
      ack$: (id) => {
        acks++;
        if (acks === 1) {
          return timer(0, scheduler).pipe(
            map(() => {
              throw new SciroccoError('network', 'ack PATCH: connect ECONNRESET', { operation: 'ack' });
            }),
          );
        }
        return consumer.ack$(id);
      },
    });
    const outcomes: string[] = [];
    pull$<Reading>(flaky, { scheduler, stopWhenEmpty: true })
      .pipe(
        map((m) => ({ ...m, payload: { n: m.payload.n, scaled: 1 } })),
        ackOnComplete(() => 'done', { backoff: { initial: 100, jitter: 0 } }),
      )
      .subscribe((outcome) => outcomes.push(outcomeOf(outcome)));
    // Nothing waits in real time: the retry runs when the virtual clock passes the backoff.
    scheduler.flush();
    expect(acks).toBe(2);
    expect(outcomes).toEqual(['acked']);
    expect(scheduler.now()).toBeGreaterThanOrEqual(100);
  });
});

describe('operators between pull$ and ackOnComplete (over HTTP)', () => {
  const srv = useServer();

  async function consumeWith(
    between: () => OperatorFunction<ReceivedMessage<Reading>, ReceivedMessage<Scaled, Reading>>,
  ): Promise<{ client: SciroccoClient; outcomes: string[]; events: FlowEvent[]; maxActive: number }> {
    const client = createClient({ url: srv.url, node: 'bb', token: 'DEFAULT_TOKEN' });
    const producer = createClient({ url: srv.url, node: 'aa', token: 'DEFAULT_TOKEN' });
    for (let n = 0; n < 12; n++) (await producer.push('bb', { n })).unwrap();
    producer.close();
    const events: FlowEvent[] = [];
    const outcomes: string[] = [];
    let active = 0;
    let maxActive = 0;
    const failedOnce = new Set<number>();
    await new Promise<void>((resolve, reject) => {
      client
        .pull$<Reading>({ interval: 20, maxMessages: 16, onEvent: (event) => events.push(event) })
        .pipe(
          between(),
          ackOnComplete(
            async (message) => {
              maxActive = Math.max(maxActive, ++active);
              await new Promise((done) => setTimeout(done, 15));
              active--;
              const { n } = message.payload;
              if (n % 3 === 0 && !failedOnce.has(n)) {
                failedOnce.add(n);
                throw new Error(`boom ${n}`);
              }
              return message.payload.scaled;
            },
            { concurrency: 4, onError: 'requeue', requeueDelay: { initial: 0 } },
          ),
        )
        .subscribe({
          next: (outcome) => outcomes.push(outcomeOf(outcome)),
          error: reject,
          complete: resolve,
        });
    });
    return { client, outcomes, events, maxActive };
  }

  it.each(BETWEEN)('%s: concurrency, requeue and events hold', async (_, between) => {
    const { client, outcomes, events, maxActive } = await consumeWith(between);
    expect(maxActive).toBe(4);
    expect(outcomes.filter((o) => o === 'acked')).toHaveLength(12);
    expect(outcomes.filter((o) => o === 'handler:requeued')).toHaveLength(4);
    expect(events.filter((e) => e.type === 'requeued')).toHaveLength(4);
    const listed = (await client.list({ limit: 100 })).unwrap();
    expect(listed.filter((m) => m.metadata.status === 'processing')).toEqual([]);
    client.close();
  });

  it('bufferTime then from: every message of every buffer is acked', async () => {
    const client = createClient({ url: srv.url, node: 'bb', token: 'DEFAULT_TOKEN' });
    for (let n = 0; n < 12; n++) (await client.push('bb', { n })).unwrap();
    const outcomes: string[] = [];
    await new Promise<void>((resolve, reject) => {
      client
        .pull$<Reading>({ interval: 20, maxMessages: 12 })
        .pipe(
          bufferTime(30),
          mergeMap((batch) => from(batch)),
          delay(1),
          ackOnComplete(() => 'ok', { concurrency: 4 }),
        )
        .subscribe({ next: (o) => outcomes.push(o.status), error: reject, complete: resolve });
    });
    expect(outcomes).toEqual(Array.from({ length: 12 }, () => 'acked'));
    client.close();
  });
});

describe('flows that drop or buffer messages (memory queue, virtual time)', () => {
  it('bufferTime then from: every message of every buffer is acked, none left processing', () => {
    testScheduler().run(({ cold, flush }) => {
      const queue = createMemoryQueue();
      for (let n = 0; n < 12; n++) queue.client({ node: 'aa' }).push$('bb', { n }).subscribe();
      const outcomes: string[] = [];
      const subscription = queue
        .client({ node: 'bb' })
        .pull$<Reading>({ interval: 5 })
        .pipe(
          bufferTime(20),
          mergeMap((batch) => from(batch)),
          ackOnComplete(() => 'ok', { concurrency: 4 }),
        )
        .subscribe((outcome) => outcomes.push(outcome.status));
      cold('300ms x').subscribe(() => subscription.unsubscribe());
      flush();
      expect(outcomes).toEqual(Array.from({ length: 12 }, () => 'acked'));
      expect(queue.messages().filter((m) => m.metadata.status === 'processing')).toEqual([]);
    });
  });

  it('reports stalled when a filter drops messages without settling them', () => {
    testScheduler().run(({ cold, flush }) => {
      const queue = createMemoryQueue();
      for (let n = 0; n < 12; n++) queue.client({ node: 'aa' }).push$('bb', { n }).subscribe();
      const events: FlowEvent[] = [];
      const subscription = queue
        .client({ node: 'bb' })
        .pull$<Reading>({
          interval: 5,
          maxInFlight: 4,
          stallTimeout: 100,
          onEvent: (event) => events.push(event),
        })
        .pipe(
          // drops 0..3 without settling them: the stream is at its limit of 4 for good
          filter((m) => m.payload.n >= 4),
          ackOnComplete(() => 'ok', { concurrency: 4 }),
        )
        .subscribe();
      cold('350ms x').subscribe(() => subscription.unsubscribe());
      flush();
      const stalled = events.filter((event) => event.type === 'stalled');
      expect(stalled).toEqual([{ type: 'stalled', node: 'bb', inFlight: 4, sinceMs: 100 }]);
    });
  });

  it('skipMessages settles what it drops (acked by default), so the flow goes on', () => {
    testScheduler().run(({ cold, flush }) => {
      const queue = createMemoryQueue();
      for (let n = 0; n < 12; n++) queue.client({ node: 'aa' }).push$('bb', { n }).subscribe();
      const events: FlowEvent[] = [];
      const handled: number[] = [];
      const subscription = queue
        .client({ node: 'bb' })
        .pull$<Reading>({ interval: 5, onEvent: (event) => events.push(event) })
        .pipe(
          skipMessages((m) => m.payload.n % 2 === 1),
          ackOnComplete((m) => handled.push(m.payload.n), { concurrency: 4 }),
        )
        .subscribe();
      cold('100ms x').subscribe(() => subscription.unsubscribe());
      flush();
      expect(handled).toEqual([0, 2, 4, 6, 8, 10]);
      expect(events.filter((event) => event.type === 'skipped')).toHaveLength(6);
      expect(queue.messages().map((m) => m.metadata.status)).toEqual(
        Array.from({ length: 12 }, () => 'processed'),
      );
    });
  });

  it.each([
    ['requeue', 'requeued'],
    [{ deadLetter: 'dead' }, 'dead-lettered'],
    ['release', undefined],
  ] as const)('skipMessages with onSkip %j', (onSkip, event) => {
    testScheduler().run(({ cold, flush }) => {
      const queue = createMemoryQueue();
      queue.client({ node: 'aa' }).push$('bb', { n: 1 }).subscribe();
      const events: FlowEvent[] = [];
      const subscription = queue
        .client({ node: 'bb' })
        .pull$<Reading>({ interval: 5, maxMessages: 1, onEvent: (e) => events.push(e) })
        .pipe(skipMessages(() => true, { onSkip }))
        .subscribe();
      cold('20ms x').subscribe(() => subscription.unsubscribe());
      flush();
      const types = events.map((e) => e.type);
      expect(types).toContain('skipped');
      if (event) expect(types).toContain(event);
      const original = queue.messages()[0]!;
      // Requeued, it is nacked back to pending (its tries kept); otherwise processed, or left.
      const expected = onSkip === 'release' ? 'processing' : onSkip === 'requeue' ? 'pending' : 'processed';
      expect(original.metadata).toMatchObject({ status: expected, tries: 1 });
    });
  });
});

describe('truthful outcomes', () => {
  const timedOut = () => new SciroccoError('timeout', 'ack PATCH: no answer in time', { operation: 'ack' });

  it('an ack whose answer was lost, retried into a 404, is acked when the message is processed', () => {
    testScheduler().run(({ flush }) => {
      const queue = createMemoryQueue();
      queue.client({ node: 'aa' }).push$('bb', { n: 1 }).subscribe();
      const consumer = queue.client({ node: 'bb' });
      let calls = 0;
      // The first ack reaches the server, but its answer never comes back.
      const lossy = withOps(consumer, {
        ack$: (id) =>
          ++calls === 1
            ? consumer.ack$(id).pipe(
                map(() => {
                  throw timedOut();
                }),
              )
            : consumer.ack$(id),
      });
      const outcomes: string[] = [];
      const events: FlowEvent[] = [];
      pull$<Reading>(lossy, { stopWhenEmpty: true, onEvent: (event) => events.push(event) })
        .pipe(ackOnComplete(() => 'done', { backoff: { initial: 10, jitter: 0 } }))
        .subscribe((outcome) => outcomes.push(outcome.status));
      flush();
      expect(calls).toBe(2);
      expect(outcomes).toEqual(['acked']);
      expect(events.filter((event) => event.type === 'failed')).toEqual([]);
      expect(queue.messages()[0]!.metadata.status).toBe('processed');
    });
  });

  it('a requeue whose copy was pushed but whose ack failed names the copy in its outcome', () => {
    testScheduler().run(({ cold, flush }) => {
      const queue = createMemoryQueue({ plain: true });
      queue.client({ node: 'aa' }).push$('bb', { n: 1 }).subscribe();
      const consumer = queue.client({ node: 'bb' });
      const unackable = withOps(consumer, {
        ack$: () =>
          cold('-#', undefined, new SciroccoError('server', 'ack PATCH: 503', { operation: 'ack' })),
      });
      let outcome: AckOutcome<Reading> | undefined;
      pull$<Reading>(unackable, { maxMessages: 1 })
        .pipe(
          ackOnComplete(
            () => {
              throw new Error('boom');
            },
            { onError: 'requeue', backoff: { retries: 1, initial: 5, jitter: 0 } },
          ),
        )
        .subscribe((o) => (outcome = o));
      flush();
      expect(outcome?.status === 'failed' && outcome.disposition).toBe('left');
      const copy = outcome?.status === 'failed' ? outcome.copy : undefined;
      expect(copy?.metadata.id).toBe(queue.messages()[1]!.metadata.id);
      expect(copy?.payload).toEqual({ n: 1 });
    });
  });
  it('a nack whose answer was lost is retried, and its not-found checked: the message is back', () => {
    testScheduler().run(({ flush }) => {
      const queue = createMemoryQueue();
      queue.client({ node: 'aa' }).push$('bb', { n: 1 }).subscribe();
      const consumer = queue.client({ node: 'bb' });
      let nacks = 0;
      // The first nack reaches the server, but its answer never comes back.
      const lossy = withOps(consumer, {
        // Each subscription is a request: a retry subscribes again.
        nack$: <T>(id: string, options?: { delayMs?: number }) =>
          defer(() =>
            ++nacks === 1
              ? consumer.nack$<T>(id, options).pipe(
                  map((): SciroccoMessage<T> => {
                    throw new SciroccoError('timeout', 'nack PATCH: no answer in time', {
                      operation: 'nack',
                    });
                  }),
                )
              : consumer.nack$<T>(id, options),
          ),
      });
      const outcomes: string[] = [];
      const events: FlowEvent[] = [];
      pull$<Reading>(lossy, { maxMessages: 1, onEvent: (event) => events.push(event) })
        .pipe(
          ackOnComplete(
            () => {
              throw new Error('boom');
            },
            { onError: 'requeue', backoff: { initial: 10, jitter: 0 }, requeueDelay: { initial: 0 } },
          ),
        )
        .subscribe((outcome) => outcomes.push(outcome.status === 'failed' ? outcome.disposition : 'acked'));
      flush();
      expect(nacks).toBe(2);
      expect(outcomes).toEqual(['requeued']);
      expect(events.map((event) => event.type)).toEqual(['pulled', 'failed', 'backing-off', 'requeued']);
      expect(queue.messages().map((m) => [m.metadata.status, m.metadata.tries])).toEqual([['pending', 1]]);
    });
  });

  it('a nack that keeps failing leaves the message processing, stranded with the reason', () => {
    testScheduler().run(({ cold, flush }) => {
      const queue = createMemoryQueue();
      queue.client({ node: 'aa' }).push$('bb', { n: 1 }).subscribe();
      const consumer = queue.client({ node: 'bb' });
      const unnackable = withOps(consumer, {
        nack$: () =>
          cold('-#', undefined, new SciroccoError('server', 'nack PATCH: 503', { operation: 'nack' })),
      });
      let outcome: AckOutcome<Reading> | undefined;
      const events: FlowEvent[] = [];
      pull$<Reading>(unnackable, { maxMessages: 1, onEvent: (event) => events.push(event) })
        .pipe(
          ackOnComplete(
            () => {
              throw new Error('boom');
            },
            { onError: 'requeue', backoff: { retries: 1, initial: 5, jitter: 0 } },
          ),
        )
        .subscribe((o) => (outcome = o));
      flush();
      expect(outcome?.status === 'failed' && outcome.disposition).toBe('left');
      expect(outcome?.status === 'failed' && outcome.copy).toBeUndefined();
      expect(events.at(-1)).toMatchObject({ type: 'released' });
      expect(queue.messages().map((m) => m.metadata.status)).toEqual(['processing']);
    });
  });
});

describe('poison messages', () => {
  it('a requeued copy waits a backoff delay: failing messages do not loop hot', () => {
    testScheduler().run(({ cold, flush }) => {
      const queue = createMemoryQueue();
      for (let n = 0; n < 2; n++) queue.client({ node: 'aa' }).push$('bb', { n }).subscribe();
      const events: FlowEvent[] = [];
      const subscription = queue
        .client({ node: 'bb' })
        .pull$<Reading>({ interval: 5, onEvent: (event) => events.push(event) })
        .pipe(
          ackOnComplete(
            () => {
              throw new Error('always');
            },
            { concurrency: 2, onError: 'requeue' },
          ),
        )
        .subscribe();
      cold('300ms x').subscribe(() => subscription.unsubscribe());
      flush();
      // The default first delay is 1 s: one requeue each in 300 ms (there were dozens).
      expect(events.filter((event) => event.type === 'requeued')).toHaveLength(2);
      const copies = queue.messages().filter((m) => m.metadata.status === 'scheduled');
      // 1 s less a jitter of up to 20 %
      for (const copy of copies) expect(copy.metadata.scheduledTime?.getTime()).toBeGreaterThanOrEqual(800);
      for (const copy of copies) expect(copy.metadata.scheduledTime?.getTime()).toBeLessThanOrEqual(1_000);
      expect(copies).toHaveLength(2);
    });
  });

  it('after maxAttempts deliveries a message goes to deadLetter, or is left and reported', () => {
    for (const deadLetter of ['dead', undefined]) {
      testScheduler().run(({ cold, flush }) => {
        const queue = createMemoryQueue();
        queue.client({ node: 'aa' }).push$('bb', { n: 7 }).subscribe();
        const outcomes: string[] = [];
        const subscription = queue
          .client({ node: 'bb' })
          .pull$<Reading>({ interval: 5 })
          .pipe(
            ackOnComplete(
              () => {
                throw new Error('always');
              },
              {
                onError: 'requeue',
                maxAttempts: 3,
                requeueDelay: { initial: 10, jitter: 0 },
                ...(deadLetter ? { deadLetter } : {}),
              },
            ),
          )
          .subscribe((outcome) =>
            outcomes.push(
              outcome.status === 'failed' ? `${outcome.disposition}@${outcome.attempts}` : 'acked',
            ),
          );
        cold('200ms x').subscribe(() => subscription.unsubscribe());
        flush();
        expect(outcomes).toEqual(['requeued@1', 'requeued@2', deadLetter ? 'dead-lettered@3' : 'left@3']);
        const last = queue.messages().at(-1)!;
        expect(last.metadata.nodeDestination).toBe(deadLetter ?? 'bb');
        expect(last.metadata.status).toBe(deadLetter ? 'pending' : 'processing');
      });
    }
  });
});

describe('ackOnComplete poison options', () => {
  it.each([
    [{ maxAttempts: 0 }, 'ackOnComplete: maxAttempts must be a positive whole number or Infinity, got 0'],
    [{ maxAttempts: 2.5 }, 'ackOnComplete: maxAttempts must be a positive whole number or Infinity, got 2.5'],
    [
      { deadLetter: 'not hex' },
      'ackOnComplete: deadLetter node id must be a non-empty hexadecimal string (0-9, a-f, A-F), got "not hex"',
    ],
    [{ requeueDelay: { initial: -1 } }, 'backoff.initial must be a number >= 0, got -1'],
  ])('refuses %j', (options, message) => {
    expect(() => ackOnComplete(undefined, options)).toThrow(new RangeError(message));
  });
});

describe('abrupt unsubscribe while handlers run', () => {
  it('requeues (or strands, as asked) the messages whose Observable handlers it stops, and says so', () => {
    for (const onUnsubscribe of ['requeue', 'strand'] as const) {
      testScheduler().run(({ cold, flush }) => {
        const queue = createMemoryQueue();
        for (let n = 0; n < 8; n++) queue.client({ node: 'aa' }).push$('bb', { n }).subscribe();
        const events: FlowEvent[] = [];
        const subscription = queue
          .client({ node: 'bb' })
          .pull$<Reading>({ onEvent: (event) => events.push(event) })
          .pipe(ackOnComplete(() => cold('----x|'), { concurrency: 4, onUnsubscribe }))
          .subscribe();
        cold('2ms x').subscribe(() => subscription.unsubscribe());
        flush();
        const type = onUnsubscribe === 'requeue' ? 'handed-back' : 'stranded';
        expect(events.filter((event) => event.type === type)).toHaveLength(4);
        const statuses = queue.messages().map((m) => m.metadata.status);
        // 4 claimed: requeued (processed, with 4 pending copies) or stranded (processing, reported)
        expect(statuses.filter((s) => s === 'processing')).toHaveLength(onUnsubscribe === 'strand' ? 4 : 0);
        expect(statuses.filter((s) => s === 'pending')).toHaveLength(onUnsubscribe === 'strand' ? 4 : 8);
      });
    }
  });

  it('acks the messages of Promise handlers that finish after the unsubscribe', async () => {
    const queue = createMemoryQueue();
    for (let n = 0; n < 8; n++) await queue.client({ node: 'aa' }).push('bb', { n });
    const events: FlowEvent[] = [];
    let started = 0;
    let open = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const subscription = queue
      .client({ node: 'bb' })
      .pull$<Reading>({ onEvent: (event) => events.push(event) })
      .pipe(
        ackOnComplete(
          async () => {
            started++;
            await gate;
          },
          { concurrency: 4 },
        ),
      )
      .subscribe();
    await expect.poll(() => started, { interval: 1 }).toBe(4);
    subscription.unsubscribe();
    open();
    await expect.poll(() => events.filter((event) => event.type === 'acked').length).toBe(4);
    const statuses = queue.messages().map((m) => m.metadata.status);
    expect(statuses.filter((s) => s === 'processed')).toHaveLength(4);
    expect(statuses.filter((s) => s === 'processing')).toHaveLength(0);
  });
});

describe('batchMessages', () => {
  it('asks pull$ for a whole batch in flight: batches of size, each message acked', () => {
    testScheduler().run(({ cold, flush }) => {
      const queue = createMemoryQueue();
      for (let n = 0; n < 12; n++) queue.client({ node: 'aa' }).push$('bb', { n }).subscribe();
      const sizes: number[] = [];
      const subscription = queue
        .client({ node: 'bb' })
        .pull$<Reading>({ interval: 5 })
        .pipe(
          batchMessages({ size: 4, timeMs: 20 }),
          tap((batch) => sizes.push(batch.length)),
          mergeMap((batch) => forkJoin(batch.map((message) => message.ack()))),
        )
        .subscribe();
      cold('200ms x').subscribe(() => subscription.unsubscribe());
      flush();
      expect(sizes).toEqual([4, 4, 4]);
      expect(queue.messages().map((m) => m.metadata.status)).toEqual(
        Array.from({ length: 12 }, () => 'processed'),
      );
    });
  });

  it('refuses a bad size or time', () => {
    expect(() => batchMessages({ size: 0, timeMs: 10 })).toThrow(
      new RangeError('batchMessages: size must be a positive whole number, got 0'),
    );
    expect(() => batchMessages({ size: 2, timeMs: -1 })).toThrow(
      new RangeError('batchMessages: timeMs must be a positive number, got -1'),
    );
  });
});

describe('consume: one number for the handlers and the messages in flight', () => {
  const srvForConsume = useServer();

  it('runs `concurrency` handlers and never has more messages claimed and unsettled', () => {
    testScheduler().run(({ cold, flush }) => {
      const queue = createMemoryQueue();
      for (let n = 0; n < 20; n++) queue.client({ node: 'aa' }).push$('bb', { n }).subscribe();
      const consumer = queue.client({ node: 'bb' });
      const handlers = recorder(() => 0);
      let maxClaimed = 0;
      const outcomes: string[] = [];
      const subscription = consumer
        .consume<Reading>(
          () =>
            handlers.track(() => {
              const claimed = queue.messages().filter((m) => m.metadata.status === 'processing').length;
              maxClaimed = Math.max(maxClaimed, claimed);
              return cold('--x|');
            }),
          { concurrency: 3, interval: 5 },
        )
        .subscribe((outcome) => outcomes.push(outcome.status));
      cold('100ms x').subscribe(() => subscription.unsubscribe());
      flush();
      expect(handlers.maxActive).toBe(3);
      expect(maxClaimed).toBe(3);
      expect(outcomes).toHaveLength(20);
      expect(outcomes.every((status) => status === 'acked')).toBe(true);
    });
  });

  it('over HTTP too, with its events on the client', async () => {
    const client = createClient({ url: srvForConsume.url, node: 'bb', token: 'DEFAULT_TOKEN' });
    for (let n = 0; n < 6; n++) (await client.push('bb', { n })).unwrap();
    const events: FlowEvent[] = [];
    client.events$.subscribe((event) => events.push(event));
    const outcomes = await new Promise<string[]>((resolve, reject) => {
      const seen: string[] = [];
      client
        .consume<Reading>((message) => message.payload.n, { concurrency: 2, maxMessages: 6 })
        .subscribe({ next: (o) => seen.push(o.status), error: reject, complete: () => resolve(seen) });
    });
    expect(outcomes).toEqual(Array.from({ length: 6 }, () => 'acked'));
    expect(events.filter((event) => event.type === 'acked')).toHaveLength(6);
    client.close();
  });

  it('pull$ reports once when its maxInFlight differs from the concurrency after it', () => {
    testScheduler().run(({ cold, flush }) => {
      const queue = createMemoryQueue();
      for (let n = 0; n < 4; n++) queue.client({ node: 'aa' }).push$('bb', { n }).subscribe();
      const events: FlowEvent[] = [];
      const subscription = queue
        .client({ node: 'bb' })
        .pull$<Reading>({ maxInFlight: 1, onEvent: (event) => events.push(event) })
        .pipe(ackOnComplete(() => cold('-x|'), { concurrency: 4 }))
        .subscribe();
      cold('20ms x').subscribe(() => subscription.unsubscribe());
      flush();
      expect(events.filter((event) => event.type === 'in-flight-mismatch')).toEqual([
        { type: 'in-flight-mismatch', node: 'bb', maxInFlight: 1, demanded: 4 },
      ]);
    });
  });
});

describe('handler cancellation: signal, timeout, drain deadline', () => {
  it('stops a handler past its timeout, aborts its signal, and applies onError', () => {
    testScheduler().run(({ cold, flush }) => {
      const queue = createMemoryQueue();
      queue.client({ node: 'aa' }).push$('bb', { n: 1 }).subscribe();
      const signals: AbortSignal[] = [];
      let outcome: AckOutcome<Reading> | undefined;
      pull$<Reading>(queue.client({ node: 'bb' }), { maxMessages: 1 })
        .pipe(
          ackOnComplete(
            (_message, { signal }) => {
              signals.push(signal);
              return cold('50ms x|');
            },
            { timeout: 10, onError: { deadLetter: 'dead' } },
          ),
        )
        .subscribe((o) => (outcome = o));
      flush();
      expect(signals[0]?.aborted).toBe(true);
      expect(outcome?.status === 'failed' && outcome.error).toEqual(
        new HandlerTimeoutError(queue.messages()[0]!.metadata.id, 10),
      );
      expect(outcome?.status === 'failed' && outcome.disposition).toBe('dead-lettered');
    });
  });

  it('a graceful stop drains handlers up to drainTimeout, then hands their messages back', () => {
    testScheduler().run(({ cold, hot, flush }) => {
      const queue = createMemoryQueue();
      for (let n = 0; n < 2; n++) queue.client({ node: 'aa' }).push$('bb', { n }).subscribe();
      const events: FlowEvent[] = [];
      const outcomes: string[] = [];
      let completed = -1;
      pull$<Reading>(queue.client({ node: 'bb' }), { stop: hot('5ms s'), onEvent: (e) => events.push(e) })
        .pipe(
          // n 0 finishes within the drain; n 1 would take far longer
          ackOnComplete((m) => cold(m.payload.n === 0 ? '20ms x|' : '500ms x|'), {
            concurrency: 2,
            drainTimeout: 50,
          }),
        )
        .subscribe({
          next: (o) => outcomes.push(o.status),
          complete: () => (completed = queue.now().getTime()),
        });
      flush();
      expect(outcomes).toEqual(['acked', 'failed']); // n 1: failed, handed back
      expect(completed).toBe(55); // the stop at 5, the drain deadline 50 later
      expect(events.filter((e) => e.type === 'handed-back')).toHaveLength(1);
      expect(queue.messages().filter((m) => m.metadata.status === 'processing')).toEqual([]);
    });
  });

  it('the drain deadline covers messages still waiting for a handler: they are handed back unhandled', () => {
    testScheduler().run(({ cold, hot, flush }) => {
      const queue = createMemoryQueue();
      for (let n = 0; n < 3; n++) queue.client({ node: 'aa' }).push$('bb', { n }).subscribe();
      const ledger = flowLedger();
      const handled: number[] = [];
      let completed = -1;
      // 3 claimed (maxInFlight 3), one handler at a time: 2 wait in the operator's buffer
      pull$<Reading>(queue.client({ node: 'bb' }), {
        maxInFlight: 3,
        stop: hot('5ms s'),
        onEvent: ledger.record,
      })
        .pipe(
          ackOnComplete(
            (m) => {
              handled.push(m.payload.n);
              return cold('500ms x|');
            },
            { concurrency: 1, drainTimeout: 50 },
          ),
        )
        .subscribe({ complete: () => (completed = queue.now().getTime()) });
      flush();
      expect(handled).toEqual([0]);
      expect(completed).toBe(55);
      expect(ledger.counts()).toMatchObject({ claimed: 3, handedBack: 3, inFlight: 0 });
      expect(queue.messages().filter((m) => m.metadata.status === 'processing')).toEqual([]);
    });
  });

  it('refuses a bad timeout', () => {
    expect(() => ackOnComplete(undefined, { timeout: -1 })).toThrow(
      new RangeError('ackOnComplete: timeout must be a number of milliseconds >= 0, got -1'),
    );
  });
});

describe('messages(): for await consumption', () => {
  const srvForLoops = useServer();

  it('acks what the loop body leaves unsettled when it asks for the next message', async () => {
    const client = createClient({ url: srvForLoops.url, node: 'bb', token: 'DEFAULT_TOKEN' });
    for (let n = 0; n < 5; n++) (await client.push('bb', { n })).unwrap();
    const seen: number[] = [];
    for await (const message of client.messages<Reading>({ stopWhenEmpty: true, interval: 10 })) {
      seen.push(message.payload.n);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    const listed = (await client.list()).unwrap();
    expect(listed.map((m) => m.metadata.status)).toEqual(Array.from({ length: 5 }, () => 'processed'));
    client.close();
  });

  it('claims one message at a time, and requeues the one in hand when the loop breaks or throws', async () => {
    const client = createClient({ url: srvForLoops.url, node: 'bb', token: 'DEFAULT_TOKEN' });
    for (let n = 0; n < 5; n++) (await client.push('bb', { n })).unwrap();
    const events: FlowEvent[] = [];
    const processing = async () =>
      (await client.list()).unwrap().filter((m) => m.metadata.status === 'processing').length;
    const claimed: number[] = [];
    for await (const message of client.messages<Reading>({ onEvent: (event) => events.push(event) })) {
      claimed.push(await processing());
      if (message.payload.n === 2) break; // n 2 is not handled: back to the queue
    }
    expect(claimed).toEqual([1, 1, 1]);
    await expect(async () => {
      for await (const message of client.messages<Reading>()) {
        throw new Error(`failed on ${String(message.payload.n)}`);
      }
    }).rejects.toThrow('failed on 3');
    expect(events.filter((event) => event.type === 'handed-back')).toEqual([
      expect.objectContaining({ reason: 'the loop ended before it settled the message' }),
    ]);
    const listed = (await client.list()).unwrap();
    expect(listed.filter((m) => m.metadata.status === 'processing')).toEqual([]);
    // 0 and 1 processed; 2 and 3 nacked back to pending (the server has nack), delivered once each
    expect(listed.map((m) => [m.payload, m.metadata.status, m.metadata.tries])).toEqual([
      [{ n: 0 }, 'processed', 1],
      [{ n: 1 }, 'processed', 1],
      [{ n: 2 }, 'pending', 1],
      [{ n: 3 }, 'pending', 1],
      [{ n: 4 }, 'pending', 0],
    ]);
    client.close();
  });

  it('ends after the message in hand when its signal aborts', async () => {
    const client = createClient({ url: srvForLoops.url, node: 'bb', token: 'DEFAULT_TOKEN' });
    for (let n = 0; n < 5; n++) (await client.push('bb', { n })).unwrap();
    const stop = new AbortController();
    const seen: number[] = [];
    for await (const message of client.messages<Reading>({ signal: stop.signal })) {
      seen.push(message.payload.n);
      if (message.payload.n === 1) stop.abort();
    }
    expect(seen).toEqual([0, 1]);
    const listed = (await client.list()).unwrap();
    expect(listed.filter((m) => m.metadata.status === 'processed')).toHaveLength(2);
    expect(listed.filter((m) => m.metadata.status === 'pending')).toHaveLength(3);
    client.close();
  });
});

describe('the ledger: every claimed message ends in exactly one outcome', () => {
  type Scenario = (queue: ReturnType<typeof createMemoryQueue>, onEvent: (event: FlowEvent) => void) => void;
  const scenarios: [string, number, Scenario][] = [
    [
      'map + requeue once, then acked',
      12,
      (queue, onEvent) => {
        const failed = new Set<number>();
        queue
          .client({ node: 'bb' })
          .pull$<Reading>({ interval: 5, maxMessages: 16, onEvent })
          .pipe(
            map((m) => ({ ...m, payload: { ...m.payload } })),
            ackOnComplete(
              (m) => {
                if (m.payload.n % 3 === 0 && !failed.has(m.payload.n)) {
                  failed.add(m.payload.n);
                  throw new Error('once');
                }
              },
              { concurrency: 4, onError: 'requeue', requeueDelay: { initial: 0 } },
            ),
          )
          .subscribe();
      },
    ],
    [
      'skipMessages releasing half, leave on failure',
      10,
      (queue, onEvent) => {
        queue
          .client({ node: 'bb' })
          .pull$<Reading>({ interval: 5, stopWhenEmpty: true, onEvent })
          .pipe(
            skipMessages((m) => m.payload.n % 2 === 0, { onSkip: 'release' }),
            ackOnComplete(
              (m) => {
                if (m.payload.n === 3) throw new Error('left');
              },
              { concurrency: 2 },
            ),
          )
          .subscribe();
      },
    ],
    [
      'abrupt unsubscribe with Observable handlers',
      8,
      (queue, onEvent) => {
        const testing = queue.client({ node: 'bb' });
        const subscription = testing
          .consume<Reading>(() => timer(10).pipe(map(() => 'x')), { concurrency: 4, onEvent })
          .subscribe();
        timer(5).subscribe(() => subscription.unsubscribe());
      },
    ],
    [
      'a graceful stop that runs out of drain time',
      4,
      (queue, onEvent) => {
        queue
          .client({ node: 'bb' })
          .consume<Reading>(() => timer(500), { concurrency: 2, stop: timer(5), drainTimeout: 20, onEvent })
          .subscribe();
      },
    ],
  ];

  it.each(scenarios)('%s', (_, count, scenario) => {
    testScheduler().run(({ flush }) => {
      const queue = createMemoryQueue();
      for (let n = 0; n < count; n++) queue.client({ node: 'aa' }).push$('bb', { n }).subscribe();
      const ledger = flowLedger();
      const checks: boolean[] = [];
      scenario(queue, (event) => {
        ledger.record(event);
        const counts = ledger.counts();
        checks.push(counts.claimed === counts.settled + counts.inFlight && counts.inFlight >= 0);
      });
      flush();
      const counts = ledger.counts();
      expect(checks.every(Boolean)).toBe(true);
      expect(counts.inFlight).toBe(0);
      expect(counts.claimed).toBeGreaterThan(0);
      // What the ledger calls left processing is exactly what the queue has processing.
      const processing = queue.messages().filter((m) => m.metadata.status === 'processing').length;
      expect(counts.released + counts.stranded).toBe(processing);
    });
  });
});
