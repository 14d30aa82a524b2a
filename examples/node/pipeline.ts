// A producer and a consumer in Node: readings pushed from an Observable, consumed four at a time,
// failures requeued, and a graceful stop on SIGTERM or Ctrl-C. The test suite runs both.
import { interval, map, take } from 'rxjs';
import { ackOnComplete, createClient } from 'scirocco-rx';

/** Pushes `count` readings to node b2, one every `everyMs`. Resolves to the number pushed. */
export function produce(url: string, count: number, everyMs = 10): Promise<number> {
  const sensor = createClient({ url, node: 'a1', token: 'DEFAULT_TOKEN' });
  const readings = interval(everyMs).pipe(
    take(count),
    map((n) => ({ celsius: 20 + (n % 5), at: Date.now() })),
  );
  return new Promise((resolve, reject) => {
    let pushed = 0;
    sensor.pushFrom(readings, { to: 'b2', concurrency: 2 }).subscribe({
      next: () => pushed++,
      error: reject,
      complete: () => {
        sensor.close();
        resolve(pushed);
      },
    });
  });
}

/** Consumes node b2's readings until `stop` aborts; resolves to the number acked. */
export function consume(url: string, stop: AbortSignal): Promise<number> {
  const dashboard = createClient({ url, node: 'b2', token: 'DEFAULT_TOKEN' });
  return new Promise((resolve, reject) => {
    let acked = 0;
    dashboard
      .pull$<{ celsius: number }>({ interval: 50, stop })
      .pipe(
        ackOnComplete(
          (message) => {
            console.log(`${message.payload.celsius} °C`);
          },
          {
            concurrency: 4,
            onError: 'requeue',
          },
        ),
      )
      .subscribe({
        next: (outcome) => {
          if (outcome.status === 'acked') acked++;
        },
        error: reject,
        complete: () => {
          dashboard.close();
          resolve(acked);
        },
      });
  });
}

/** Stops the consumer gracefully on SIGTERM or Ctrl-C: no new pull, handlers finish and ack. */
export function stopOnSignals(): AbortSignal {
  const shutdown = new AbortController();
  process.once('SIGTERM', () => {
    shutdown.abort();
  });
  process.once('SIGINT', () => {
    shutdown.abort();
  });
  return shutdown.signal;
}
