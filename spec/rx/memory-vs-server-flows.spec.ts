import {
  bufferTime,
  concatMap,
  delay,
  firstValueFrom,
  forkJoin,
  from,
  groupBy,
  lastValueFrom,
  map,
  mergeMap,
  of,
  toArray,
  type Observable,
} from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../lib/create-client.js';
import { ackOnComplete } from '../../lib/rx/ack-on-complete.js';
import type { AckOutcome } from '../../lib/rx/ack-outcome.js';
import { batchMessages } from '../../lib/rx/batch-messages.js';
import type { FlowEventHandler } from '../../lib/rx/flow-event.js';
import type { SciroccoClient } from '../../lib/rx/scirocco-client.js';
import { skipMessages } from '../../lib/rx/skip-messages.js';
import { createMemoryQueue } from '../../lib/testing/create-memory-queue.js';
import { checkedLedger } from '../support/ledger-check.js';
import { until } from '../support/until.js';
import { useServer } from '../support/server.js';

type Reading = { n: number };

const summary = (outcome: AckOutcome<Reading, unknown, unknown>) =>
  outcome.status === 'acked'
    ? `${outcome.message.payload.n}:acked`
    : `${outcome.message.payload.n}:${outcome.disposition}`;

/** The same flows, operators in between included, for the memory queue and the server alike. */
type Flow = (consumer: SciroccoClient, onEvent: FlowEventHandler) => Observable<string>;

const FLOWS: [string, Flow][] = [
  [
    'map with a spread, requeue once',
    (consumer, onEvent) => {
      const failed = new Set<number>();
      return consumer.pull$<Reading>({ interval: 10, maxMessages: 16, onEvent }).pipe(
        map((m) => ({ ...m, payload: { n: m.payload.n } })),
        ackOnComplete(
          (m) => {
            if (m.payload.n % 3 === 0 && !failed.has(m.payload.n)) {
              failed.add(m.payload.n);
              throw new Error('once');
            }
          },
          { concurrency: 4, onError: 'requeue', requeueDelay: { initial: 0 } },
        ),
        map(summary),
      );
    },
  ],
  [
    'skipMessages',
    (consumer, onEvent) =>
      consumer.pull$<Reading>({ interval: 10, stopWhenEmpty: true, onEvent }).pipe(
        skipMessages((m) => m.payload.n % 2 === 1),
        ackOnComplete(() => 'ok', { concurrency: 2 }),
        map(summary),
      ),
  ],
  [
    'bufferTime then from',
    (consumer, onEvent) =>
      consumer.pull$<Reading>({ interval: 10, maxMessages: 12, onEvent }).pipe(
        bufferTime(15),
        mergeMap((batch) => from(batch)),
        ackOnComplete(() => 'ok', { concurrency: 4 }),
        map(summary),
      ),
  ],
  [
    'consume with dead letters',
    (consumer, onEvent) =>
      consumer
        .consume<Reading>(
          (m) => {
            if (m.payload.n % 4 === 0) throw new Error('poison');
          },
          { concurrency: 3, stopWhenEmpty: true, interval: 10, onError: { deadLetter: 'dead' }, onEvent },
        )
        .pipe(map(summary)),
  ],
  [
    'batchMessages, each acked',
    (consumer, onEvent) =>
      consumer.pull$<Reading>({ interval: 10, maxMessages: 12, onEvent }).pipe(
        batchMessages({ size: 4, timeMs: 15 }),
        mergeMap((batch) => forkJoin(batch.map((m) => m.ack()))),
        mergeMap((acked) => acked.map((m) => `${m.payload.n}:acked`)),
      ),
  ],
  [
    'concatMap with a delay, dead letters',
    (consumer, onEvent) =>
      consumer.pull$<Reading>({ interval: 10, stopWhenEmpty: true, onEvent }).pipe(
        concatMap((m) => of({ ...m, payload: { n: m.payload.n } }).pipe(delay(2))),
        ackOnComplete(
          (m) => {
            if (m.payload.n % 5 === 0) throw new Error('poison');
          },
          { concurrency: 2, onError: { deadLetter: 'dead' } },
        ),
        map(summary),
      ),
  ],
  [
    'groupBy odd and even, merged back',
    (consumer, onEvent) =>
      consumer.pull$<Reading>({ interval: 10, stopWhenEmpty: true, onEvent }).pipe(
        groupBy((m) => m.payload.n % 2),
        mergeMap((group) => group.pipe(map((m) => ({ ...m })))),
        ackOnComplete(() => 'ok', { concurrency: 3 }),
        map(summary),
      ),
  ],
];

async function run(producer: SciroccoClient, consumer: SciroccoClient, flow: Flow) {
  for (let n = 0; n < 12; n++) (await producer.push('bb', { n })).unwrap();
  const ledger = checkedLedger();
  const outcomes = await lastValueFrom(flow(consumer, ledger.record).pipe(toArray()));
  // A flow may end before the settlements it started have their answers (a skipped message's
  // ack): its events say when they have.
  await until(() => ledger.counts().inFlight === 0, 'every message settled');
  const stored = await firstValueFrom(consumer.list$<Reading>({ limit: 100 }));
  const dead = (await producer.list({ limit: 100 }))
    .unwrap()
    .filter((m) => m.metadata.nodeDestination === 'dead');
  expect(ledger.violations).toEqual([]);
  const { inFlight, released, stranded } = ledger.counts();
  expect(inFlight).toBe(0);
  expect(released + stranded).toBe(stored.filter((m) => m.metadata.status === 'processing').length);
  return {
    ledger: ledger.counts(),
    outcomes: outcomes.sort(),
    statuses: [...stored, ...dead]
      .map((m) => `${m.metadata.nodeDestination}:${String((m.payload as Reading).n)}:${m.metadata.status}`)
      .sort(),
  };
}

describe.each([
  ['with its extensions', false],
  ['plain, as the original', true],
] as const)('the same flows on the memory queue and on the server, %s', (_kind, plain) => {
  const srv = useServer({ plain });

  it.each(FLOWS)('%s: the same outcomes and the same messages left', async (_, flow) => {
    const queue = createMemoryQueue({ plain });
    const inMemory = await run(queue.client({ node: 'aa' }), queue.client({ node: 'bb' }), flow);
    const producer = createClient({ url: srv.url, node: 'aa', token: 'DEFAULT_TOKEN' });
    const consumer = createClient({ url: srv.url, node: 'bb', token: 'DEFAULT_TOKEN' });
    try {
      const overHttp = await run(producer, consumer, flow);
      expect(overHttp).toEqual(inMemory);
      expect(inMemory.statuses.filter((status) => status.endsWith(':processing'))).toEqual([]);
    } finally {
      producer.close();
      consumer.close();
    }
  });
});
