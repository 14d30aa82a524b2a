import { tap, type Observable } from 'rxjs';
import { ackOnComplete } from '../rx/ack-on-complete.js';
import type { ReceivedMessage } from '../rx/received-message.js';
import { CLIENT_OPTIONS_HELP, clientFrom, parseCommand, wholeNumber } from './client-options.js';
import type { ClientCommand } from './client-commands.js';
import { messageJson, messageText } from './format-message.js';
import { reportFailure } from './report-failure.js';
import { isSciroccoError } from '../client/scirocco-error.js';
import { EXIT } from './usage-error.js';

const HELP = `Usage: scirocco watch [--ack] [--interval MS]

Consumes this node's messages and prints each as it comes, until Ctrl-C (SIGINT) or SIGTERM,
then stops gracefully: no new pull, the message in hand is finished.

  --ack           mark each message processed once printed; without it, messages are
                  claimed and left processing, and nobody else gets them
  --interval MS   wait this long after a poll that found nothing (default 500)

${CLIENT_OPTIONS_HELP}
`;

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
    const client = clientFrom(values, io);
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
    try {
      const messages = client.pull$({ interval, stop: stop.signal, maxInFlight: 1 });
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
