// Memory of the library's own code over a million messages, in one process with --expose-gc:
// pull$ + ackOnComplete over operations that answer at once (no HTTP, no queue to grow), and
// pushFrom from a million-item AsyncIterable.
import { defer, lastValueFrom, of, tap, asapScheduler, observeOn, count } from 'rxjs';
import { None, Some } from 'ts-results-es';
import { ackOnComplete, pull$, pushFrom, type QueueOps, type SciroccoMessage } from 'scirocco-rx';

const TOTAL = 1_000_000;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const sample = () => {
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss: mb(rss), heap: mb(heapUsed) };
};

function syntheticOps(): QueueOps {
  let made = 0;
  const message = (n: number): SciroccoMessage<{ n: number }> => ({
    metadata: {
      id: n.toString(16).padStart(24, '0'),
      nodeSource: 'a1',
      nodeDestination: 'b2',
      status: 'processing',
      tries: 1,
      payloadType: 'application/json',
      createdTime: new Date(),
    },
    payload: { n },
  });
  const none = () => of(None);
  return {
    node: 'b2',
    pullNext$: <T>() =>
      defer(() => (made < TOTAL ? of(Some(message(made++) as SciroccoMessage<T>)) : none())).pipe(
        observeOn(asapScheduler),
      ),
    ack$: <T>(id: string) => of(message(parseInt(id, 16)) as SciroccoMessage<T>),
    push$: (_to, payload) =>
      defer(() => of({ ...message(made++), payload })).pipe(observeOn(asapScheduler)) as never,
    get$: () => none() as never,
    list$: () => of([]),
    update$: () => none() as never,
    delete$: () => of(0),
    deleteAll$: () => of(0),
    wipe$: () => of(0),
    info$: () => of({}),
  };
}

async function consume() {
  const samples = [sample()];
  let handled = 0;
  await lastValueFrom(
    pull$(syntheticOps(), { stopWhenEmpty: true }).pipe(
      ackOnComplete(undefined, { concurrency: 8 }),
      tap(() => {
        if (++handled === TOTAL / 2) samples.push(sample());
      }),
      count(),
    ),
  );
  samples.push(sample());
  return { handled, samples };
}

async function produce() {
  const start = sample();
  let taken = 0;
  let pushed = 0;
  let peak = 0;
  let peakRss = start.rss;
  async function* items() {
    for (let n = 0; n < TOTAL; n++) {
      taken++;
      peak = Math.max(peak, taken - pushed);
      if (n % 100_000 === 0) {
        peakRss = Math.max(peakRss, mb(process.memoryUsage().rss));
        await Promise.resolve();
      }
      yield { n };
    }
  }
  await lastValueFrom(
    pushFrom(syntheticOps(), items(), { to: 'b2', concurrency: 8 }).pipe(
      tap(() => pushed++),
      count(),
    ),
  );
  const end = sample();
  return { pushed, peakInFlight: peak, start, end, peakRss: Math.max(peakRss, end.rss) };
}

const kind = process.argv[2];
const result = kind === 'produce' ? await produce() : await consume();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
