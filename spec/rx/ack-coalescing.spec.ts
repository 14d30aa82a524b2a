import { defer, delay, map, merge, mergeMap, throwError, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ackOnComplete, type AckOnCompleteOptions } from '../../lib/rx/ack-on-complete.js';
import { batchMessages } from '../../lib/rx/batch-messages.js';
import type { FlowEvent } from '../../lib/rx/flow-event.js';
import { pull$ } from '../../lib/rx/pull.js';
import type { QueueOps } from '../../lib/rx/queue-ops.js';
import { createMemoryQueue } from '../../lib/testing/create-memory-queue.js';
import { useLoggedServers } from '../support/logged-server.js';
import { networkError, testScheduler, withOps } from '../support/marbles.js';

type Job = { n: number; ms: number };

/**
 * A consumer of `jobs` on a memory queue whose acks are recorded: each request as the frame it
 * was sent in and the ids it settled (`one` for a single ack).
 */
function recordedConsumer(jobs: Job[], now: () => number, queueOptions: { plain?: boolean } = {}) {
  const queue = createMemoryQueue(queueOptions);
  for (const job of jobs) queue.client({ node: 'aa' }).push$('bb', job).subscribe();
  const consumer = queue.client({ node: 'bb' });
  const requests: string[] = [];
  const nOf = (id: string) =>
    String((queue.messages().find((m) => m.metadata.id === id)?.payload as Job | undefined)?.n);
  const ops: QueueOps = withOps(consumer, {
    ack$: <T>(id: string) =>
      defer(() => {
        requests.push(`${now()}: one ${nOf(id)}`);
        return consumer.ack$<T>(id);
      }),
    ackMany$: (ids) =>
      defer(() => {
        requests.push(`${now()}: many ${ids.map(nOf).join(',')}`);
        return consumer.ackMany$(ids);
      }),
  });
  return { queue, ops, requests };
}

/** Runs each job's handler for its `ms`, and gives `n:status` for each outcome. */
function handled(ops: QueueOps, options: AckOnCompleteOptions, events: FlowEvent[] = []) {
  return pull$<Job>(ops, { stopWhenEmpty: true, onEvent: (event) => events.push(event) }).pipe(
    ackOnComplete((message) => timer(message.payload.ms), options),
    map((outcome) => `${outcome.message.payload.n}:${outcome.status}`),
  );
}

const jobs = (...ms: number[]) => ms.map((each, index) => ({ n: index + 1, ms: each }));

describe('ackOnComplete({ ackWindow }): acks gathered into batch acks', () => {
  it('gathers the acks of one window into one batch ack; each message keeps its own outcome', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { ops, requests, queue } = recordedConsumer(jobs(1, 3, 5, 20), () => scheduler.now());
      // The window opens with the first ack (1 ms) and closes at 11 ms: 1, 2 and 3 go together.
      // The fourth is alone in flight when its handler completes at 20 ms: its ack goes at once.
      expectObservable(handled(ops, { concurrency: 4, ackWindow: 10 })).toBe('11ms (abc) 4ms (d|)', {
        a: '1:acked',
        b: '2:acked',
        c: '3:acked',
        d: '4:acked',
      });
      scheduler.flush();
      expect(requests).toEqual(['11: many 1,2,3', '20: one 4']);
      expect(queue.messages().map((m) => m.metadata.status)).toEqual(Array<string>(4).fill('processed'));
    });
  });

  it('sends a batch before its window closes when every message in flight waits for its ack', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { ops, requests } = recordedConsumer(jobs(2, 2, 2), () => scheduler.now());
      expectObservable(handled(ops, { concurrency: 3, ackWindow: 50 })).toBe('2ms (abc|)', {
        a: '1:acked',
        b: '2:acked',
        c: '3:acked',
      });
      scheduler.flush();
      expect(requests).toEqual(['2: many 1,2,3']);
    });
  });

  it('sends a batch once every handler waits for its ack, with more messages in flight (prefetch)', () => {
    const scheduler = testScheduler();
    scheduler.run(() => {
      const { ops, requests } = recordedConsumer(jobs(1, 1, 1, 1), () => scheduler.now());
      const prefetched = pull$<Job>(ops, { stopWhenEmpty: true, maxInFlight: 4 }).pipe(
        ackOnComplete((message) => timer(message.payload.ms), { concurrency: 2, ackWindow: 50 }),
        map((outcome) => `${outcome.message.payload.n}:${outcome.status}`),
      );
      // Two handlers, four messages in flight: both handlers' acks go at 1 ms, not at 51.
      const seen: string[] = [];
      prefetched.subscribe((outcome) => seen.push(`${String(scheduler.now())}: ${outcome}`));
      scheduler.flush();
      expect(seen).toEqual(['1: 1:acked', '1: 2:acked', '2: 3:acked', '2: 4:acked']);
      expect(requests).toEqual(['1: many 1,2', '2: many 3,4']);
    });
  });

  it('acks each message alone, at once, in virtual time by default (no ackWindow)', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { ops, requests } = recordedConsumer(jobs(1, 3), () => scheduler.now());
      expectObservable(handled(ops, { concurrency: 2 })).toBe('1ms a 1ms (b|)', {
        a: '1:acked',
        b: '2:acked',
      });
      scheduler.flush();
      expect(requests).toEqual(['1: one 1', '3: one 2']);
    });
  });

  it('sends a batch once when its window closes in the frame every message came to wait', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { ops, requests } = recordedConsumer(jobs(1, 3), () => scheduler.now());
      expectObservable(handled(ops, { concurrency: 2, ackWindow: 2 })).toBe('3ms (ab|)', {
        a: '1:acked',
        b: '2:acked',
      });
      scheduler.flush();
      expect(requests).toEqual(['3: many 1,2']);
    });
  });

  it('acks each message alone, at once, against a server without batch acks', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { ops, requests } = recordedConsumer(jobs(1, 3), () => scheduler.now(), { plain: true });
      expectObservable(handled(ops, { concurrency: 2, ackWindow: 10 })).toBe('1ms a 1ms (b|)', {
        a: '1:acked',
        b: '2:acked',
      });
      scheduler.flush();
      expect(requests).toEqual(['1: one 1', '3: one 2']);
    });
  });

  it('keeps the acks of a wrapper that replaced ack$ alone: they stand for every ack', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const queue = createMemoryQueue();
      for (const job of jobs(1, 3)) queue.client({ node: 'aa' }).push$('bb', job).subscribe();
      const consumer = queue.client({ node: 'bb' });
      const acked: number[] = [];
      const ops = withOps(consumer, {
        ack$: <T>(id: string) =>
          defer(() => {
            acked.push(scheduler.now());
            return consumer.ack$<T>(id);
          }),
      });
      expectObservable(handled(ops, { concurrency: 2, ackWindow: 10 })).toBe('1ms a 1ms (b|)', {
        a: '1:acked',
        b: '2:acked',
      });
      scheduler.flush();
      expect(acked).toEqual([1, 3]);
    });
  });

  it('fails only the message the batch could not ack; the others are acked', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable, cold }) => {
      const { ops, queue, requests } = recordedConsumer(jobs(5, 5, 5), () => scheduler.now());
      // The second message goes back to the queue while its handler runs: the batch cannot ack it.
      cold('3ms x')
        .pipe(
          mergeMap(() => {
            const second = queue.messages().find((m) => (m.payload as Job).n === 2);
            return queue.client({ node: 'bb' }).nack$(second?.metadata.id ?? '');
          }),
        )
        .subscribe();
      // All three wait for their acks at 5 ms: one batch. The second is then pulled again.
      expectObservable(handled(ops, { concurrency: 3, ackWindow: 10 })).toBe('5ms (abc)(d|)', {
        a: '1:acked',
        b: '2:failed',
        c: '3:acked',
        d: '2:acked',
      });
      scheduler.flush();
      expect(requests).toEqual(['5: many 1,2,3', '10: one 2']);
    });
  });

  it('retries with backoff each ack of a batch request that failed as a whole, gathered again', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { ops, requests, queue } = recordedConsumer(jobs(1, 1), () => scheduler.now());
      let failures = 1;
      const flaky = withOps(ops, {
        ackMany$: (ids) => (failures-- > 0 ? throwError(() => networkError()) : ops.ackMany$!(ids)),
      });
      const events: FlowEvent[] = [];
      const options: AckOnCompleteOptions = {
        concurrency: 2,
        ackWindow: 10,
        backoff: { initial: 100, jitter: 0 },
      };
      // Both acks go at 1 ms (all in flight) and fail; each is retried 100 ms later, together.
      expectObservable(handled(flaky, options, events)).toBe('101ms (ab|)', { a: '1:acked', b: '2:acked' });
      scheduler.flush();
      expect(requests).toEqual(['101: many 1,2']);
      expect(events.filter((event) => event.type === 'backing-off')).toHaveLength(2);
      expect(queue.messages().map((m) => m.metadata.status)).toEqual(['processed', 'processed']);
    });
  });

  it('waits for the acks under way before a batch pull, and claims for all their slots at once', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { ops } = recordedConsumer(jobs(1, 3, 3, 3, 1, 1, 1, 1), () => scheduler.now());
      const pulls: number[] = [];
      // Acks take 5 ms to answer; the batch pulls are counted by their size.
      const slow = withOps(ops, {
        ack$: <T>(id: string) => ops.ack$<T>(id).pipe(delay(5)),
        ackMany$: (ids) => ops.ackMany$!(ids).pipe(delay(5)),
        pullMany$: <T>(options: { max: number; waitMs?: number }) => {
          pulls.push(options.max);
          return ops.pullMany$!<T>(options);
        },
      });
      // 1 is acked alone at 2 (its window), answered at 7; 2 to 4 at 3, answered at 8. At 7 one
      // slot is free, but three come back at 8: the pull waits, and claims four then.
      expectObservable(handled(slow, { concurrency: 4, ackWindow: 1 }), '^ 20ms !').toBe(
        '7ms a (bcd) 1ms (efgh|)',
        {
          a: '1:acked',
          b: '2:acked',
          c: '3:acked',
          d: '4:acked',
          e: '5:acked',
          f: '6:acked',
          g: '7:acked',
          h: '8:acked',
        },
      );
      scheduler.flush();
      expect(pulls).toEqual([3, 4, 4]); // the last one finds the queue empty
    });
  });

  it('with a prefetch, handlers and pulls go on while acks are under way', () => {
    const scheduler = testScheduler();
    scheduler.run(() => {
      const { ops } = recordedConsumer(jobs(1, 1, 1, 1, 1, 1, 1, 1), () => scheduler.now());
      const pulls: string[] = [];
      const slow = withOps(ops, {
        ackMany$: (ids) => ops.ackMany$!(ids).pipe(delay(5)),
        pullMany$: <T>(options: { max: number; waitMs?: number }) => {
          pulls.push(`${String(scheduler.now())}: ${String(options.max)}`);
          return ops.pullMany$!<T>(options);
        },
      });
      // Two handlers, four in flight. 1 and 2 are acked at 1 (answered at 6), 3 and 4 at 2
      // (answered at 7). At 6 two slots are free, a round of the two handlers: the pull goes
      // then, not at 7 with the acks of 3 and 4, nor at 12 after them.
      const seen: string[] = [];
      pull$<Job>(slow, { stopWhenEmpty: true, maxInFlight: 4 })
        .pipe(
          ackOnComplete((message) => timer(message.payload.ms), { concurrency: 2, ackWindow: 50 }),
          map((outcome) => `${String(scheduler.now())}: ${String(outcome.message.payload.n)}`),
        )
        .subscribe((line) => seen.push(line));
      scheduler.flush();
      // The handlers never wait for an ack: 3 and 4 run from 1 to 2, while 1 and 2 are acked.
      expect(pulls).toEqual(['0: 4', '6: 2', '7: 2', '12: 2']); // the last finds none
      expect(seen).toEqual(['6: 1', '6: 2', '7: 3', '7: 4', '12: 5', '12: 6', '13: 7', '13: 8']);
    });
  });

  it('batchMessages: the acks of a batch, asked in a loop, go in one batch ack', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { ops, requests } = recordedConsumer(jobs(0, 0, 0), () => scheduler.now());
      const acked = pull$<Job>(ops, { stopWhenEmpty: true }).pipe(
        batchMessages({ size: 3, timeMs: 10, ackWindow: 5 }),
        mergeMap((batch) => merge(...batch.map((message) => message.ack()))),
        map((message) => message.payload.n),
      );
      expectObservable(acked).toBe('(abc|)', { a: 1, b: 2, c: 3 });
      scheduler.flush();
      expect(requests).toEqual(['0: many 1,2,3']);
    });
  });

  it('rejects an ackWindow that is not a number of milliseconds', () => {
    expect(() => batchMessages({ size: 2, timeMs: 5, ackWindow: Number.NaN })).toThrow(
      new RangeError('batchMessages: ackWindow must be a number of milliseconds >= 0, got NaN'),
    );
    expect(() => ackOnComplete(undefined, { ackWindow: -1 })).toThrow(
      new RangeError('ackOnComplete: ackWindow must be a number of milliseconds >= 0, got -1'),
    );
  });
});

const serve = useLoggedServers();

describe('ackOnComplete over HTTP: acks gathered by default', () => {
  it('acks a batch of pulled messages in one batch ack request against this server', async () => {
    const { lines, client } = await serve();
    const producer = client('aa');
    for (let n = 0; n < 8; n++) (await producer.push('bb', { n })).unwrap();
    const outcomes = await new Promise<string[]>((resolve, reject) => {
      const seen: string[] = [];
      client('bb')
        .pull$<{ n: number }>({ stopWhenEmpty: true })
        .pipe(ackOnComplete(undefined, { concurrency: 4 }))
        .subscribe({
          next: (outcome) => seen.push(outcome.status),
          error: reject,
          complete: () => {
            resolve(seen);
          },
        });
    });
    expect(outcomes).toEqual(Array<string>(8).fill('acked'));
    const acks = lines.filter((line) => line.method === 'PATCH').map((line) => line.path);
    // The first message is pulled alone (the stream starts at one in flight): its ack is a plain
    // one; the others come in batches, acked together.
    expect(acks.length).toBeLessThan(8);
    expect(acks.filter((path) => path === '/messageQueue/batch/ack').length).toBeGreaterThan(0);
    const listed = (await producer.list()).unwrap();
    expect(listed.map((message) => message.metadata.status)).toEqual(Array<string>(8).fill('processed'));
  });

  it('acks each message alone against a server without the extensions', async () => {
    const { lines, client } = await serve({ plain: true });
    const producer = client('aa');
    for (let n = 0; n < 4; n++) (await producer.push('bb', { n })).unwrap();
    await new Promise<void>((resolve, reject) => {
      client('bb')
        .pull$({ stopWhenEmpty: true })
        .pipe(ackOnComplete(undefined, { concurrency: 4 }))
        .subscribe({ error: reject, complete: resolve });
    });
    const acks = lines.filter((line) => line.method === 'PATCH').map((line) => line.path);
    expect(acks).toHaveLength(4);
    expect(acks.every((path) => /^\/messageQueue\/[0-9a-f]{24}\/ack$/.test(path))).toBe(true);
  });
});
