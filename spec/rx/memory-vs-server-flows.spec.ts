import {
  bufferTime,
  firstValueFrom,
  forkJoin,
  from,
  lastValueFrom,
  map,
  mergeMap,
  toArray,
  type Observable,
} from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../lib/create-client.js';
import { ackOnComplete } from '../../lib/rx/ack-on-complete.js';
import type { AckOutcome } from '../../lib/rx/ack-outcome.js';
import { batchMessages } from '../../lib/rx/batch-messages.js';
import type { SciroccoClient } from '../../lib/rx/scirocco-client.js';
import { skipMessages } from '../../lib/rx/skip-messages.js';
import { createMemoryQueue } from '../../lib/testing/create-memory-queue.js';
import { useServer } from '../support/server.js';

type Reading = { n: number };

const summary = (outcome: AckOutcome<Reading, unknown, unknown>) =>
  outcome.status === 'acked'
    ? `${outcome.message.payload.n}:acked`
    : `${outcome.message.payload.n}:${outcome.disposition}`;

/** The same flows, operators in between included, for the memory queue and the server alike. */
const FLOWS: [string, (consumer: SciroccoClient) => Observable<string>][] = [
  [
    'map with a spread, requeue once',
    (consumer) => {
      const failed = new Set<number>();
      return consumer.pull$<Reading>({ interval: 10, maxMessages: 16 }).pipe(
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
    (consumer) =>
      consumer.pull$<Reading>({ interval: 10, stopWhenEmpty: true }).pipe(
        skipMessages((m) => m.payload.n % 2 === 1),
        ackOnComplete(() => 'ok', { concurrency: 2 }),
        map(summary),
      ),
  ],
  [
    'bufferTime then from',
    (consumer) =>
      consumer.pull$<Reading>({ interval: 10, maxMessages: 12 }).pipe(
        bufferTime(15),
        mergeMap((batch) => from(batch)),
        ackOnComplete(() => 'ok', { concurrency: 4 }),
        map(summary),
      ),
  ],
  [
    'consume with dead letters',
    (consumer) =>
      consumer
        .consume<Reading>(
          (m) => {
            if (m.payload.n % 4 === 0) throw new Error('poison');
          },
          { concurrency: 3, stopWhenEmpty: true, interval: 10, onError: { deadLetter: 'dead' } },
        )
        .pipe(map(summary)),
  ],
  [
    'batchMessages, each acked',
    (consumer) =>
      consumer.pull$<Reading>({ interval: 10, maxMessages: 12 }).pipe(
        batchMessages({ size: 4, timeMs: 15 }),
        mergeMap((batch) => forkJoin(batch.map((m) => m.ack()))),
        mergeMap((acked) => acked.map((m) => `${m.payload.n}:acked`)),
      ),
  ],
];

async function run(
  producer: SciroccoClient,
  consumer: SciroccoClient,
  flow: (consumer: SciroccoClient) => Observable<string>,
) {
  for (let n = 0; n < 12; n++) (await producer.push('bb', { n })).unwrap();
  const outcomes = await lastValueFrom(flow(consumer).pipe(toArray()));
  const stored = await firstValueFrom(consumer.list$<Reading>({ limit: 100 }));
  const dead = (await producer.list({ limit: 100 }))
    .unwrap()
    .filter((m) => m.metadata.nodeDestination === 'dead');
  return {
    outcomes: outcomes.sort(),
    statuses: [...stored, ...dead]
      .map((m) => `${m.metadata.nodeDestination}:${String((m.payload as Reading).n)}:${m.metadata.status}`)
      .sort(),
  };
}

describe('the same flows on the memory queue and on the server', () => {
  const srv = useServer();

  it.each(FLOWS)('%s: the same outcomes and the same messages left', async (_, flow) => {
    const queue = createMemoryQueue();
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
