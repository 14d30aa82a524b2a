import type { Observable } from 'rxjs';
import type { SciroccoError } from '../client/scirocco-error.js';
import type { FlowEvent } from '../rx/flow-event.js';
import type { ReceivedMessage } from '../rx/received-message.js';
import { CLIENT_OPTIONS_HELP, clientFrom, parseCommand, wholeNumber } from './client-options.js';
import type { ClientCommand } from './client-commands.js';
import { escapeControls, messageJson, messageText } from './format-message.js';
import { hintFor } from './failure-hint.js';
import { reportFailure } from './report-failure.js';
import { isSciroccoError } from '../client/scirocco-error.js';
import { EXIT } from './usage-error.js';

const HELP = `Usage: scirocco watch [--ack] [--interval MS]

Consumes this node's messages and prints each as it comes, until Ctrl-C (SIGINT) or SIGTERM,
then stops gracefully: no new pull, the message in hand is finished.

It says on standard error what it watches, and each failed poll with the next try: it keeps
trying while the server cannot be reached or fails, and stops at once, with exit code 1, when
the server refuses (a wrong token, a wrong URL). Stopped while its polls were failing, it
exits with code 1 too.

  --ack           mark each message processed once printed; without it, messages are
                  claimed and left processing, and nobody else gets them
  --interval MS   wait this long after a poll that found nothing (default 500)

${CLIENT_OPTIONS_HELP}
`;

const seconds = (ms: number) => (ms < 10_000 ? (ms / 1000).toFixed(1) : String(Math.round(ms / 1000)));

/** `scirocco watch`: consume and print live. */
export const watchCommand: ClientCommand = {
  usage: 'watch [--ack] [--interval MS]',
  summary: 'Consumes and prints messages live, until Ctrl-C.',
  help: HELP,
  async run(args, io) {
    const { values } = parseCommand(
      args,
      { ack: { type: 'boolean', default: false }, interval: { type: 'string' } },
      0,
    );
    if (values.help) {
      io.stdout(HELP);
      return EXIT.ok;
    }
    const interval = wholeNumber('--interval', values.interval) ?? 500;
    const client = await clientFrom(values, io);
    const [{ tap }, { ackOnComplete }] = await Promise.all([
      import('rxjs'),
      import('../rx/ack-on-complete.js'),
    ]);
    io.stderr(`watching node ${client.node} on ${client.url} (Ctrl-C stops)\n`);
    if (!values.ack) io.stderr('watching without --ack: messages are claimed and left processing\n');
    const stop = new AbortController();
    const onSignal = () => {
      stop.abort();
    };
    io.signals.once('SIGINT', onSignal);
    io.signals.once('SIGTERM', onSignal);
    const print = (message: ReceivedMessage) => {
      io.stdout(values.json ? `${messageJson(message)}\n` : `${messageText(message)}\n`);
    };
    // Failed polls in a row: each is shown with the next try, the hint once per kind of failure.
    let failures = 0;
    let hinted: SciroccoError['kind'] | undefined;
    const onEvent = (event: FlowEvent) => {
      if (event.type === 'backing-off') {
        failures = event.attempt;
        io.stderr(
          `scirocco watch: ${escapeControls(event.error.message)}; next try in ${seconds(event.delayMs)} s (failure ${event.attempt})\n`,
        );
        if (hinted !== event.error.kind) {
          hinted = event.error.kind;
          const hint = hintFor(event.error, client);
          if (hint) io.stderr(`${hint}\n`);
        }
      } else if (event.type === 'pulled' || event.type === 'empty') {
        if (failures > 0)
          io.stderr(`scirocco watch: the server answers again after ${failures} failed polls\n`);
        failures = 0;
        hinted = undefined;
      }
    };
    try {
      const messages = client.pull$({ interval, stop: stop.signal, maxInFlight: 1, onEvent });
      await new Promise<void>((resolve, reject) => {
        const flow: Observable<unknown> = values.ack
          ? messages.pipe(
              ackOnComplete((message) => {
                print(message);
              }),
              tap((outcome) => {
                if (outcome.status === 'failed') io.stderr(`scirocco watch: ${String(outcome.error)}\n`);
              }),
            )
          : messages.pipe(
              tap((message) => {
                print(message);
                message.release();
              }),
            );
        flow.subscribe({ error: reject, complete: resolve });
      });
      if (failures > 0) {
        io.stderr(
          `scirocco watch: stopped after ${failures} failed poll${failures === 1 ? '' : 's'} in a row\n`,
        );
        return EXIT.failed;
      }
      return EXIT.ok;
    } catch (error) {
      if (isSciroccoError(error)) return reportFailure('watch', error, client, io);
      throw error;
    } finally {
      io.signals.off('SIGINT', onSignal);
      io.signals.off('SIGTERM', onSignal);
      client.close();
    }
  },
};
