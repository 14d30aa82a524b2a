// The README's message-flow snippet, type-checked by the test suite.
import { interval, map } from 'rxjs';
import { ackOnComplete, createClient } from 'scirocco-rx';

declare function save(reading: { celsius: number }): Promise<void>; // your code
const readings$ = interval(1_000).pipe(map((n) => ({ celsius: 20 + (n % 5) }))); // a sensor

const client = createClient({ url: 'http://localhost:8000', node: 'b2', token: 'DEFAULT_TOKEN' });
const shutdown = new AbortController();
process.once('SIGTERM', () => shutdown.abort()); // graceful: handlers finish and ack

client
  .pull$<{ celsius: number }>({ interval: 500, stop: shutdown.signal }) // polls, drains, backs off
  .pipe(ackOnComplete((message) => save(message.payload), { concurrency: 4, onError: 'requeue' }))
  .subscribe((outcome) => console.log(outcome.status));

client.pushFrom(readings$, { to: 'b2' }).subscribe(); // any Observable or AsyncIterable
