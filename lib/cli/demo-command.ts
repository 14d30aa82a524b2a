import { randomBytes } from 'node:crypto';
import { defer, interval, map, retry, Subject, take, timer, type Observable } from 'rxjs';
import { createClient } from '../create-client.js';
import { ackOnComplete } from '../rx/ack-on-complete.js';
import type { FlowEvent } from '../rx/flow-event.js';
import type { SciroccoClient } from '../rx/scirocco-client.js';
import { startServer, type RunningServer } from '../server/start-server.js';
import { parseCommand, wholeNumber, type CommandIo } from './client-options.js';
import { EXIT, UsageError } from './usage-error.js';

const HELP = `Usage: scirocco demo [--count N] [--url URL --token T --node ID]

Runs a message pipeline and tells what happens: a simulated sensor pushes readings through
pushFrom (some scheduled two seconds ahead), two consumers take them with pull$ +
ackOnComplete, four at a time each; glitches are retried inside the handler and corrupt
readings go to the dead-letter node 'dead'. A live line shows pushed / acked / failed /
in flight / messages per second, and a summary closes it: exit code 0 when every reading
ended as expected.

Without --url it starts its own server in this process. With --url it runs against that
server (use a node of its own: the consumers take every message of --node).

  --count N       readings to push (default 240)
  --url URL       an existing server (env SCIROCCO_URL)
  --token T       its token (env SCIROCCO_MASTER_TOKEN, default DEFAULT_TOKEN)
  --node ID       the consumers' node (env SCIROCCO_NODE, default b2)
  -h, --help      show this help
`;

interface Reading {
  readonly run: string;
  readonly n: number;
  readonly celsius: number;
}

const SENSOR = 'a1';
const DEAD_LETTER = 'dead';
const isCorrupt = (n: number) => n % 40 === 17;
const isGlitch = (n: number) => n % 7 === 3;

/** Counts what the flows report. */
function tally() {
  const counts = {
    pushed: 0,
    pulled: 0,
    acked: 0,
    deadLettered: 0,
    failed: 0,
    released: 0,
    glitches: 0,
    foreign: 0,
  };
  return {
    counts,
    inFlight: () => counts.pulled - counts.acked - counts.released,
    onEvent: (event: FlowEvent) => {
      if (event.type === 'pushed') counts.pushed++;
      if (event.type === 'pulled') counts.pulled++;
      if (event.type === 'acked') counts.acked++;
      if (event.type === 'failed') counts.failed++;
      if (event.type === 'dead-lettered') counts.deadLettered++;
    },
  };
}

/** The consumers' work: a few milliseconds; a glitch fails once and is retried here. */
function handle(reading: Reading, counts: ReturnType<typeof tally>['counts']): Observable<number> {
  let attempts = 0;
  return defer(() => {
    attempts++;
    if (isCorrupt(reading.n)) throw new Error(`corrupt reading #${reading.n}`);
    if (isGlitch(reading.n) && attempts === 1) {
      counts.glitches++;
      throw new Error(`glitch on reading #${reading.n}`);
    }
    return timer(5 + (reading.n % 10)).pipe(map(() => reading.celsius));
  }).pipe(retry({ count: 2, resetOnSuccess: true, delay: () => timer(0) }));
}

function progressLine(t: ReturnType<typeof tally>, started: number): string {
  const { pushed, acked, failed, deadLettered } = t.counts;
  const seconds = (Date.now() - started) / 1000;
  const rate = seconds > 0 ? Math.round(acked / seconds) : 0;
  return `pushed ${pushed} · acked ${acked} · failed ${failed} (dead-lettered ${deadLettered}) · in flight ${t.inFlight()} · ${rate} msg/s`;
}

/** `scirocco demo`, and `npm start`. */
export async function demoCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseCommand(args, { count: { type: 'string' } }, 0);
  if (values.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const count = wholeNumber('--count', values.count) ?? 240;
  const url = values.url ?? (io.env.SCIROCCO_URL || undefined);
  if (url === undefined && (values.token !== undefined || values.node !== undefined)) {
    throw new UsageError('--token and --node go with --url');
  }
  let server: RunningServer | undefined;
  if (url === undefined) server = await startServer();
  const target = url ?? server?.url ?? '';
  const token = values.token ?? (io.env.SCIROCCO_MASTER_TOKEN || 'DEFAULT_TOKEN');
  const node = values.node ?? (io.env.SCIROCCO_NODE || 'b2');
  const clients: SciroccoClient[] = [];
  const client = (id: string) => {
    const made = createClient({ url: target, node: id, token });
    clients.push(made);
    return made;
  };
  const run = randomBytes(4).toString('hex');
  const t = tally();
  const started = Date.now();
  io.stdout(
    `demo: ${count} readings from node ${SENSOR} to node ${node} on ${target}${server ? ' (embedded server)' : ''}\n`,
  );

  const stop = new Subject<void>();
  const consumer = () =>
    new Promise<void>((resolve, reject) => {
      client(node)
        .pull$<Reading>({ interval: 100, stop, onEvent: t.onEvent })
        .pipe(
          ackOnComplete(
            (message) => {
              if (message.payload.run !== run) {
                t.counts.foreign++;
                return undefined;
              }
              return handle(message.payload, t.counts);
            },
            { concurrency: 4, onError: { deadLetter: DEAD_LETTER } },
          ),
        )
        .subscribe({
          next: (outcome) => {
            if (outcome.status === 'failed' && outcome.disposition === 'left') t.counts.released++;
            if (t.counts.acked - t.counts.foreign >= count) stop.next();
          },
          error: (error: unknown) => {
            reject(error instanceof Error ? error : new Error(String(error)));
          },
          complete: resolve,
        });
    });

  const readings = interval(10).pipe(
    take(count),
    map((n): Reading => ({ run, n, celsius: Math.round((19 + 3 * Math.sin(n / 10)) * 10) / 10 })),
  );
  const producing = new Promise<void>((resolve, reject) => {
    client(SENSOR)
      .pushFrom(readings, {
        to: node,
        concurrency: 2,
        payloadType: 'temperature',
        scheduledAt: (reading) => (reading.n % 8 === 5 ? new Date(Date.now() + 2_000) : undefined),
        onEvent: t.onEvent,
      })
      .subscribe({ error: reject, complete: resolve });
  });

  const redraw = setInterval(
    () => {
      if (io.isTty) io.stdout(`\r\x1b[K${progressLine(t, started)}`);
      else io.stdout(`${progressLine(t, started)}\n`);
    },
    io.isTty ? 100 : 1_000,
  );
  const deadline = setTimeout(() => {
    stop.next();
  }, 30_000);
  try {
    await Promise.all([producing, consumer(), consumer()]);
  } catch (error) {
    io.stderr(`\nscirocco demo: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  } finally {
    clearInterval(redraw);
    clearTimeout(deadline);
  }
  if (io.isTty) io.stdout(`\r\x1b[K`);
  io.stdout(`${progressLine(t, started)}\n`);

  // The dead letters of this run: take them off the dead-letter node, so nothing is left behind.
  const dead = client(DEAD_LETTER);
  let deadFound = 0;
  for (;;) {
    const pulled = await dead.pull<Reading>();
    if (pulled.isErr() || pulled.value.isNone()) break;
    const message = pulled.value.value;
    if (message.payload.run === run) deadFound++;
    await dead.ack(message.metadata.id);
  }
  for (const made of clients) made.close();
  await server?.close();

  const corrupt = Array.from({ length: count }, (_, n) => n).filter(isCorrupt).length;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const good = t.counts.acked - t.counts.foreign - t.counts.deadLettered === count - corrupt;
  const ok = t.counts.pushed === count && good && t.counts.deadLettered === corrupt && deadFound === corrupt;
  io.stdout(
    [
      `summary: ${t.counts.pushed} pushed, ${count - corrupt} handled and acked, ${corrupt} corrupt sent to node '${DEAD_LETTER}' (${deadFound} found there), ${t.counts.glitches} glitches retried in the handler, in ${seconds} s`,
      ok ? 'ok: every reading ended as expected' : 'FAILED: some readings did not end as expected',
      '',
    ].join('\n'),
  );
  return ok ? EXIT.ok : EXIT.failed;
}
