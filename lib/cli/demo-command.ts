import { randomBytes } from 'node:crypto';
import { defer, interval, map, retry, Subject, take, takeUntil, timer, type Observable } from 'rxjs';
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
readings go to a dead-letter node. A live line shows pushed / acked / failed / in flight /
messages per second, and a summary of what it counted closes it: exit code 0 when every
reading ended as expected. Ctrl-C stops it early, with the summary and exit code 1.

Without --url it starts its own server in this process, with nodes a1 (the sensor), b2 (the
consumers) and dead. With --url it runs against that server on nodes of its own, unique to
the run (a1…, b2…, dead… followed by the run's id), named in its first line, so that it
touches only the messages it makes; if stopped early, it deletes the readings it left.

  --count N       readings to push (default 240)
  --url URL       an existing server (env SCIROCCO_URL)
  --token T       its token (env SCIROCCO_MASTER_TOKEN, default DEFAULT_TOKEN)
  --node ID       the consumers' node instead of one of its own; its consumers then take
                  every message of that node, others' too (SCIROCCO_NODE is not read)
  -h, --help      show this help
`;

interface Reading {
  readonly run: string;
  readonly n: number;
  readonly celsius: number;
}

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
    inFlight: () => counts.pulled - counts.acked - counts.deadLettered - counts.released,
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

/** A line cut to fit a terminal `columns` wide, short of its last column (no wrap). */
function fit(line: string, columns: number | undefined): string {
  if (!columns || line.length < columns) return line;
  return columns > 2 ? `${line.slice(0, columns - 2)}…` : '';
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
  const run = randomBytes(4).toString('hex');
  // On a server of its own, plain node ids; on a shared one, ids of this run only.
  const ofRun = (prefix: string) => (url === undefined ? prefix : `${prefix}${run}`);
  const sensor = ofRun('a1');
  const deadLetter = ofRun('dead');
  const node = values.node ?? ofRun('b2');
  let server: RunningServer | undefined;
  if (url === undefined) server = await startServer();
  const target = url ?? server?.url ?? '';
  const token = values.token ?? (io.env.SCIROCCO_MASTER_TOKEN || 'DEFAULT_TOKEN');
  const clients: SciroccoClient[] = [];
  const client = (id: string) => {
    const made = createClient({ url: target, node: id, token });
    clients.push(made);
    return made;
  };
  const t = tally();
  const started = Date.now();
  io.stdout(
    `demo: ${count} readings from node ${sensor} to node ${node} on ${target}${server ? ' (embedded server)' : ''}, dead letters to node ${deadLetter}\n`,
  );

  const stop = new Subject<void>();
  const interrupted = new Subject<void>();
  // Set by a signal handler, so read through an object (not narrowed away).
  const state = { signalled: false, timedOut: false };
  const onSignal = () => {
    state.signalled = true;
    interrupted.next();
    stop.next();
  };
  io.signals.once('SIGINT', onSignal);
  io.signals.once('SIGTERM', onSignal);
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
            { concurrency: 4, onError: { deadLetter } },
          ),
        )
        .subscribe({
          next: (outcome) => {
            if (outcome.status === 'failed' && outcome.disposition === 'left') t.counts.released++;
            if (t.counts.acked + t.counts.deadLettered - t.counts.foreign >= count) stop.next();
          },
          error: (error: unknown) => {
            reject(error instanceof Error ? error : new Error(String(error)));
          },
          complete: resolve,
        });
    });

  const readings = interval(10).pipe(
    take(count),
    takeUntil(interrupted),
    map((n): Reading => ({ run, n, celsius: Math.round((19 + 3 * Math.sin(n / 10)) * 10) / 10 })),
  );
  const producing = new Promise<void>((resolve, reject) => {
    client(sensor)
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
      if (io.isTty) io.stdout(`\r\x1b[K${fit(progressLine(t, started), io.columns)}`);
      else io.stdout(`${progressLine(t, started)}\n`);
    },
    io.isTty ? 100 : 1_000,
  );
  // Past the deadline the producer stops too, and what it left is cleaned up as after a signal.
  const deadline = setTimeout(() => {
    state.timedOut = true;
    interrupted.next();
    stop.next();
  }, 30_000);
  const closeAll = async () => {
    for (const made of clients) made.close();
    await server?.close();
  };
  try {
    await Promise.all([producing, consumer(), consumer()]);
    // Stopped early: the readings nobody took are deleted (only the sensor's, pending or scheduled).
    if (state.signalled || state.timedOut) await client(sensor).deleteAll();
  } catch (error) {
    io.stderr(`\nscirocco demo: ${error instanceof Error ? error.message : String(error)}\n`);
    await closeAll();
    return EXIT.failed;
  } finally {
    clearInterval(redraw);
    clearTimeout(deadline);
    io.signals.off('SIGINT', onSignal);
    io.signals.off('SIGTERM', onSignal);
  }
  if (io.isTty) io.stdout(`\r\x1b[K`);
  io.stdout(`${io.isTty ? fit(progressLine(t, started), io.columns) : progressLine(t, started)}\n`);

  // The dead letters: take them off the dead-letter node, so nothing is left behind.
  const dead = client(deadLetter);
  let deadFound = 0;
  for (;;) {
    const pulled = await dead.pull<Reading>();
    if (pulled.isErr() || pulled.value.isNone()) break;
    const message = pulled.value.value;
    if (message.payload.run === run) deadFound++;
    await dead.ack(message.metadata.id);
  }
  await closeAll();

  // What was counted, never what was expected: the last line compares them.
  const { pushed, acked, foreign, deadLettered, glitches } = t.counts;
  const handled = acked - foreign;
  const corrupt = Array.from({ length: count }, (_, n) => n).filter(isCorrupt).length;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const ok =
    !state.signalled &&
    !state.timedOut &&
    pushed === count &&
    handled === count - corrupt &&
    deadLettered === corrupt &&
    deadFound === corrupt;
  io.stdout(
    [
      `summary: ${pushed} pushed, ${handled} handled and acked, ${deadLettered} corrupt sent to node '${deadLetter}' (${deadFound} found there), ${glitches} glitches retried in the handler, in ${seconds} s`,
      ...(foreign > 0 ? [`note: ${foreign} messages of others were taken from node ${node} and acked`] : []),
      state.signalled
        ? `stopped by a signal: ${pushed} of ${count} readings pushed`
        : state.timedOut
          ? `stopped after 30 s: ${pushed} of ${count} readings pushed, those left deleted`
          : ok
            ? 'ok: every reading ended as expected'
            : `FAILED: expected ${count} pushed, ${count - corrupt} handled and acked, ${corrupt} corrupt sent and found`,
      '',
    ].join('\n'),
  );
  return ok ? EXIT.ok : EXIT.failed;
}
