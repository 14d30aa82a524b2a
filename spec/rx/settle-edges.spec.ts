import { setTimeout as sleep } from 'node:timers/promises';
import { queueScheduler, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { SciroccoError } from '../../lib/client/scirocco-error.js';
import { TransportFailure } from '../../lib/client/transport.js';
import { ackOnComplete } from '../../lib/rx/ack-on-complete.js';
import type { FlowEvent } from '../../lib/rx/flow-event.js';
import { pull$ } from '../../lib/rx/pull.js';
import { createMemoryQueue } from '../../lib/testing/create-memory-queue.js';
import { checkedLedger } from '../support/ledger-check.js';
import { testScheduler, withOps } from '../support/marbles.js';

interface Reading {
  readonly n: number;
}

const processingOf = (queue: ReturnType<typeof createMemoryQueue>) =>
  queue.messages().filter((m) => m.metadata.status === 'processing');

function fill(queue: ReturnType<typeof createMemoryQueue>, count: number): void {
  for (let n = 0; n < count; n++) queue.client({ node: 'aa' }).push$('bb', { n }).subscribe();
}

describe('edges of settlement', () => {
  it('hands back the messages waiting for a handler when the subscriber unsubscribes', () => {
    testScheduler().run(({ cold, flush }) => {
      const queue = createMemoryQueue();
      fill(queue, 4);
      const ledger = checkedLedger();
      const handled: number[] = [];
      // 4 claimed, one handler at a time: 3 wait in the operator's buffer
      const subscription = pull$<Reading>(queue.client({ node: 'bb' }), {
        maxInFlight: 4,
        onEvent: ledger.record,
      })
        .pipe(
          ackOnComplete(
            (m) => {
              handled.push(m.payload.n);
              return cold('100ms x|');
            },
            { concurrency: 1 },
          ),
        )
        .subscribe();
      cold('10ms x').subscribe(() => subscription.unsubscribe());
      flush();
      expect(handled).toEqual([0]);
      expect(ledger.violations).toEqual([]);
      expect(ledger.counts()).toMatchObject({ claimed: 4, handedBack: 4, inFlight: 0 });
      expect(processingOf(queue)).toEqual([]);
    });
  });

  it('hands back the messages waiting for a handler when the stream errors', () => {
    testScheduler().run(({ cold, flush }) => {
      const queue = createMemoryQueue();
      fill(queue, 3);
      const ledger = checkedLedger();
      const consumer = queue.client({ node: 'bb' });
      // 2 claimed at once, the third pull refused: one handler running, one message waiting
      let pulls = 0;
      const failing = withOps(consumer, {
        pullNext$: <T>() =>
          ++pulls > 2
            ? throwError(() => new SciroccoError('auth', 'refused', { operation: 'pull' }))
            : consumer.pullNext$<T>(),
      });
      let failed: unknown;
      pull$<Reading>(failing, { maxInFlight: 3, onEvent: ledger.record })
        .pipe(ackOnComplete(() => cold('100ms x|'), { concurrency: 1 }))
        .subscribe({ error: (error: unknown) => (failed = error) });
      flush();
      expect(failed).toBeInstanceOf(SciroccoError);
      expect(ledger.counts()).toMatchObject({ claimed: 2, handedBack: 2, inFlight: 0 });
      expect(processingOf(queue)).toEqual([]);
    });
  });

  it('runs an async generator handler to its end before the ack, its last value the result', async () => {
    const queue = createMemoryQueue();
    fill(queue, 2);
    const steps: string[] = [];
    const results: unknown[] = [];
    await new Promise<void>((resolve) => {
      queue
        .client({ node: 'bb' })
        .pull$<Reading>({ stopWhenEmpty: true })
        .pipe(
          ackOnComplete(async function* (m) {
            steps.push(`start ${String(m.payload.n)}`);
            await sleep(1);
            yield 'half';
            steps.push(`end ${String(m.payload.n)}`);
            yield 'whole';
          }),
        )
        .subscribe({
          next: (outcome) => results.push(outcome.status === 'acked' ? outcome.result : outcome.status),
          complete: resolve,
        });
    });
    expect(steps).toEqual(['start 0', 'end 0', 'start 1', 'end 1']);
    expect(results).toEqual(['whole', 'whole']);
  });

  it('hands back the message of a Promise handler that ignores its signal, at the deadline after an unsubscribe', async () => {
    const queue = createMemoryQueue();
    fill(queue, 1);
    const ledger = checkedLedger();
    let resolveLate: (value: string) => void = () => {};
    const subscription = queue
      .client({ node: 'bb' })
      .pull$<Reading>({ onEvent: ledger.record })
      .pipe(
        ackOnComplete(() => new Promise<string>((resolve) => (resolveLate = resolve)), {
          drainTimeout: 30,
        }),
      )
      .subscribe();
    await expect.poll(() => ledger.counts().claimed, { interval: 1 }).toBe(1);
    subscription.unsubscribe();
    await expect.poll(() => ledger.counts().handedBack, { interval: 5 }).toBe(1);
    resolveLate('too late'); // ignored: the message was handed back
    await sleep(20);
    expect(ledger.violations).toEqual([]);
    expect(ledger.counts()).toMatchObject({ claimed: 1, handedBack: 1, acked: 0, inFlight: 0 });
    expect(processingOf(queue)).toEqual([]);
  });

  it('reports possibly-stranded for a pull that lost its answer after the unsubscribe', () => {
    testScheduler().run(({ cold, flush }) => {
      const queue = createMemoryQueue();
      const consumer = queue.client({ node: 'bb' });
      const lost = new SciroccoError('timeout', 'pull GET /messageQueue: no answer in time', {
        operation: 'pull',
        cause: new TransportFailure('timeout', 'no answer in time'),
      });
      const slow = withOps(consumer, {
        pullNext$: () => cold('20ms #', undefined, lost),
      });
      const events: FlowEvent[] = [];
      const subscription = pull$(slow, { onEvent: (event) => events.push(event) }).subscribe();
      cold('5ms x').subscribe(() => subscription.unsubscribe());
      flush();
      expect(events).toEqual([{ type: 'possibly-stranded', node: 'bb', error: lost }]);
    });
  });

  it.each([
    ['push', true],
    ['nack', false],
  ] as const)(
    'past the drain deadline, hands back once with no backoff, and strands what that cannot %s',
    (operation, plain) => {
      testScheduler().run(({ cold, hot, flush }) => {
        const queue = createMemoryQueue({ plain });
        fill(queue, 1);
        const consumer = queue.client({ node: 'bb' });
        const down = new SciroccoError('network', `${operation}: connect ECONNREFUSED`, { operation });
        let tries = 0;
        const failing = () => {
          tries++;
          return throwError(() => down);
        };
        const broken = withOps(consumer, operation === 'push' ? { push$: failing } : { nack$: failing });
        const ledger = checkedLedger();
        let completed = -1;
        pull$<Reading>(broken, { stop: hot('5ms s'), onEvent: ledger.record })
          .pipe(ackOnComplete(() => cold('500ms x|'), { drainTimeout: 20 }))
          .subscribe({ complete: () => (completed = queue.now().getTime()) });
        flush();
        expect(tries).toBe(1);
        expect(completed).toBe(25);
        expect(ledger.counts()).toMatchObject({ claimed: 1, stranded: 1, inFlight: 0 });
        expect(queue.messages().map((m) => m.metadata.status)).toEqual(['processing']);
      });
    },
  );

  it('lets handlers finish when the stream ends by itself (stopWhenEmpty): no drain deadline', () => {
    testScheduler().run(({ cold, flush }) => {
      const queue = createMemoryQueue();
      fill(queue, 2);
      const ledger = checkedLedger();
      // maxInFlight 3 for 2 messages: the stream polls again, finds nothing and completes while
      // both handlers still run
      pull$<Reading>(queue.client({ node: 'bb' }), {
        stopWhenEmpty: true,
        maxInFlight: 3,
        onEvent: ledger.record,
      })
        .pipe(ackOnComplete(() => cold('20s x|'), { concurrency: 2, drainTimeout: 50 }))
        .subscribe();
      flush();
      expect(ledger.counts()).toMatchObject({ claimed: 2, acked: 2, handedBack: 0, inFlight: 0 });
    });
  });

  it('keeps polling with a scheduler that runs work at once (queueScheduler)', async () => {
    const queue = createMemoryQueue();
    fill(queue, 5);
    const acked: number[] = [];
    await new Promise<void>((resolve) => {
      queue
        .client({ node: 'bb' })
        .pull$<Reading>({ stopWhenEmpty: true, maxInFlight: 2, scheduler: queueScheduler })
        .pipe(ackOnComplete(undefined, { concurrency: 2 }))
        .subscribe({
          next: (outcome) => acked.push(outcome.message.payload.n),
          complete: resolve,
        });
    });
    expect(acked.sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('errors the stream when its pause or stop Observable errors', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const queue = createMemoryQueue();
      const consumer = queue.client({ node: 'bb' });
      const broken = new Error('pause source failed');
      expectObservable(pull$(consumer, { pause: cold<boolean>('3ms #', undefined, broken) })).toBe(
        '3ms #',
        undefined,
        broken,
      );
      expectObservable(pull$(consumer, { stop: cold('4ms #', undefined, broken) })).toBe(
        '4ms #',
        undefined,
        broken,
      );
    });
  });
});
