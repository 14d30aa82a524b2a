// Snippets of docs/reactive.md, type-checked by the test suite.
import { concatMap, interval, map } from 'rxjs';
import { ackOnComplete, batchMessages, createClient, flowLedger, pushTo, skipMessages } from 'scirocco-rx';

declare function save(reading: { celsius: number }): Promise<void>;
const client = createClient({ url: 'http://localhost:8000', node: 'b2', token: 'DEFAULT_TOKEN' });

client
  .pull$<{ celsius: number }>({ interval: 500 })
  .pipe(ackOnComplete((message) => save(message.payload), { concurrency: 4, onError: 'requeue' }))
  .subscribe((outcome) => console.log(outcome.status, outcome.message.metadata.id));

const readings = interval(1_000).pipe(map((n) => ({ celsius: 20 + (n % 5) })));
client.pushFrom(readings, { to: 'b2', concurrency: 2 }).subscribe();
readings.pipe(pushTo(client, 'b2')).subscribe(); // the same, pipeable

let acked = 0;
client.events$.subscribe((event) => {
  if (event.type === 'acked') acked++;
  if (event.type === 'backing-off') console.warn(`server unreachable, next try in ${event.delayMs} ms`);
});
export const progress = () => acked;

// In a browser: say once why a server on another origin seems down (its CORS settings, likely).
client.events$.subscribe((event) => {
  if (event.type === 'cors-suspected') console.error(event.error.message);
});

// Dropping messages: skipMessages settles what it drops (acks it by default); a plain filter would
// keep their in-flight slots until the stream stalls.
client
  .pull$<{ celsius: number }>()
  .pipe(
    skipMessages((message) => message.payload.celsius < -50, { onSkip: { deadLetter: 'dead' } }),
    ackOnComplete((message) => save(message.payload), { concurrency: 4 }),
  )
  .subscribe();

// Poison messages: a requeued copy waits, and after maxAttempts deliveries goes to the dead letters.
client
  .pull$<{ url: string }>()
  .pipe(
    ackOnComplete((message) => fetch(message.payload.url), {
      onError: 'requeue',
      maxAttempts: 3,
      requeueDelay: { initial: 5_000 },
      deadLetter: 'dead',
    }),
  )
  .subscribe();

// Batches: batchMessages asks pull$ for a whole batch in flight (a plain bufferTime gets batches of 1).
declare function saveAll(rows: unknown[]): Promise<void>;
client
  .pull$<{ celsius: number }>()
  .pipe(
    batchMessages({ size: 50, timeMs: 200 }),
    concatMap(async (batch) => {
      await saveAll(batch.map((message) => message.payload));
      for (const message of batch) message.ack().subscribe();
    }),
  )
  .subscribe();

// The common case in one call: one number for the handlers and the messages in flight.
client
  .consume<{ celsius: number }>((message) => save(message.payload), { concurrency: 4, onError: 'requeue' })
  .subscribe((outcome) => console.log(outcome.status));

// Cancellation: the handler's signal aborts at its timeout, at an unsubscribe, or when a drain ends.
client
  .consume<{ url: string }>((message, { signal }) => fetch(message.payload.url, { signal }), {
    concurrency: 4,
    timeout: 5_000,
    onError: 'requeue',
    drainTimeout: 20_000,
  })
  .subscribe();

// for await: the loop's speed is the demand; what the body leaves unsettled is acked at the next turn.
export async function loop(signal: AbortSignal): Promise<void> {
  for await (const message of client.messages<{ celsius: number }>({ signal })) {
    await save(message.payload);
  }
}

// The ledger: claimed = settled + inFlight, from the flow's events.
const ledger = flowLedger();
client.consume(() => 'done', { concurrency: 4, onEvent: ledger.record }).subscribe();
setInterval(() => {
  const { claimed, settled, inFlight, stranded, possiblyStranded } = ledger.counts();
  console.log({ claimed, settled, inFlight, stranded, possiblyStranded });
}, 10_000).unref();
