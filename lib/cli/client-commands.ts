import type { Result } from 'ts-results-es';
import type { StuckRecovery } from '../client/recover-stuck.js';
import type { SciroccoError } from '../client/scirocco-error.js';
import type { SciroccoMessage } from '../protocol/message-metadata.js';
import type { SciroccoClient } from '../rx/scirocco-client.js';
import {
  CLIENT_OPTIONS_HELP,
  clientFrom,
  parseCommand,
  wholeNumber,
  type CommandIo,
} from './client-options.js';
import { messageJson, messagesTable, messageText } from './format-message.js';
import { DEFAULT_LIST_MAXIMUM, listNote } from './list-note.js';
import { parseDuration } from './parse-duration.js';
import { reportFailure } from './report-failure.js';
import { EXIT, UsageError } from './usage-error.js';

/** One client command: its usage, its help, and what it does. */
export interface ClientCommand {
  readonly usage: string;
  readonly summary: string;
  readonly help: string;
  run(args: readonly string[], io: CommandIo): Promise<number>;
}

type Values = Record<string, string | boolean | undefined>;

/** Runs one client call, prints its value or reports its failure, and closes the client. */
async function withClient<T>(
  name: string,
  io: CommandIo,
  values: Values,
  call: (client: SciroccoClient) => Promise<Result<T, SciroccoError>>,
  /** The text to print, or an exit code when the value is a failure (reported by `print`). */
  print: (value: T, json: boolean) => string | number,
): Promise<number> {
  const client = await clientFrom(values, io);
  try {
    const result = await call(client);
    if (result.isErr()) return reportFailure(name, result.error, client, io);
    const printed = print(result.value, values.json === true);
    if (typeof printed === 'number') return printed;
    io.stdout(printed);
    return EXIT.ok;
  } finally {
    client.close();
  }
}

const since = (message: SciroccoMessage) => message.metadata.processingTime?.toISOString() ?? '?';

/** What `requeue` did, a line per message and a summary, for people. */
function recoveryText(recovery: StuckRecovery, dryRun: boolean): string {
  const id = (message: SciroccoMessage) => message.metadata.id;
  const lines = dryRun
    ? recovery.stuck.map((m) => `stuck    ${id(m)}  processing since ${since(m)}`)
    : [
        ...recovery.recovered.map(({ message, back, via }) =>
          via === 'nack' ? `nacked   ${id(message)}` : `copied   ${id(message)} as ${id(back)}`,
        ),
        ...recovery.settled.map((m) => `settled  ${id(m)}  acked by its consumer meanwhile`),
        ...recovery.duplicated.map(
          ({ message, back }) =>
            `twice    ${id(message)} as ${id(back)}  acked meanwhile, its copy claimed already`,
        ),
        ...recovery.failed.map(({ message, error }) => `failed   ${id(message)}  ${error.message}`),
      ];
  const count = recovery.stuck.length;
  const summary = dryRun
    ? `${count} stuck`
    : `${count} stuck: ${recovery.recovered.length} requeued, ${recovery.settled.length} settled meanwhile, ` +
      `${recovery.duplicated.length} twice, ${recovery.failed.length} failed`;
  return `${[...lines, summary].join('\n')}\n`;
}

/** What `requeue` did, for scripts. */
function recoveryJson(recovery: StuckRecovery): string {
  const id = (message: SciroccoMessage) => message.metadata.id;
  return `${JSON.stringify({
    stuck: recovery.stuck.map((m) => ({ id: id(m), processingTime: since(m) })),
    recovered: recovery.recovered.map(({ message, back, via }) => ({ id: id(message), via, back: id(back) })),
    settled: recovery.settled.map(id),
    duplicated: recovery.duplicated.map(({ message, back }) => ({ id: id(message), copy: id(back) })),
    failed: recovery.failed.map(({ message, error }) => ({ id: id(message), error: error.message })),
    listFull: recovery.listFull,
  })}\n`;
}

const printMessage = (message: SciroccoMessage, json: boolean) =>
  json ? `${messageJson(message)}\n` : messageText(message);

function idArgument(positionals: string[], command: string): string {
  const id = positionals[0];
  if (id === undefined) throw new UsageError(`${command} needs a message id`);
  return id;
}

async function readPayload(text: string, as: string, io: CommandIo): Promise<object | string> {
  if (!['auto', 'json', 'text', 'bytes'].includes(as)) {
    throw new UsageError(`--as must be auto, json, text or bytes, got ${JSON.stringify(as)}`);
  }
  const raw = text === '-' ? await io.stdin() : undefined;
  if (raw && (as === 'auto' || as === 'bytes')) return raw;
  if (as === 'bytes') return new TextEncoder().encode(text);
  const body = raw ? new TextDecoder().decode(raw) : text;
  if (as === 'text') return body;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) return parsed;
    if (as === 'json') throw new UsageError('--as json needs a JSON object or array');
  } catch (error) {
    if (as === 'json')
      throw error instanceof UsageError
        ? error
        : new UsageError(`the payload is not JSON: ${(error as Error).message}`);
  }
  return body;
}

function command(
  name: string,
  usage: string,
  summary: string,
  details: string,
  run: (args: readonly string[], io: CommandIo) => Promise<number>,
): ClientCommand {
  return {
    usage,
    summary,
    help: `Usage: scirocco ${usage}\n\n${summary}\n${details ? `\n${details}\n` : ''}\n${CLIENT_OPTIONS_HELP}\n`,
    run: async (args, io) => {
      if (args.includes('--help') || args.includes('-h')) {
        io.stdout(commands[name]?.help ?? '');
        return EXIT.ok;
      }
      return run(args, io);
    },
  };
}

/** The client commands of `scirocco`, by name. */
export const commands: Record<string, ClientCommand> = {
  push: command(
    'push',
    'push --to NODE [--type T] [--at ISO] [--as auto|json|text|bytes] PAYLOAD|-',
    'Pushes a message to NODE and prints it.',
    `PAYLOAD is sent as JSON when it parses to an object or array, as text otherwise;
- reads standard input and sends it as bytes. --as chooses the kind yourself, for an
argument as for standard input (--as bytes sends the argument's UTF-8 bytes).
  --to NODE     the destination node id (required)
  --type T      a payload type label of 1 to 30 characters
  --at ISO      schedule it: not due before this time (ISO 8601, e.g. 2030-01-01T12:00:00Z)`,
    async (args, io) => {
      const { values, positionals } = parseCommand(
        args,
        {
          to: { type: 'string' },
          type: { type: 'string' },
          at: { type: 'string' },
          as: { type: 'string', default: 'auto' },
        },
        1,
      );
      if (values.to === undefined) throw new UsageError('--to NODE is required');
      const text = positionals[0];
      if (text === undefined) throw new UsageError('push needs a PAYLOAD, or - to read standard input');
      const at = values.at === undefined ? undefined : new Date(values.at);
      if (at && Number.isNaN(at.getTime()))
        throw new UsageError(`--at must be an ISO 8601 time, got ${JSON.stringify(values.at)}`);
      const payload = await readPayload(text, values.as ?? 'auto', io);
      const to = values.to;
      return withClient(
        'push',
        io,
        values,
        (client) =>
          client.push(to, payload, {
            ...(values.type === undefined ? {} : { payloadType: values.type }),
            ...(at ? { scheduledAt: at } : {}),
          }),
        printMessage,
      );
    },
  ),
  pull: command(
    'pull',
    'pull',
    'Claims the next due message of this node and prints it (it becomes processing).',
    "Prints nothing, with exit code 0, when nothing is due. Ack it with 'scirocco ack ID'.",
    async (args, io) => {
      const { values } = parseCommand(args, {}, 0);
      return withClient(
        'pull',
        io,
        values,
        (client) => client.pull(),
        (option, json) => (option.isSome() ? printMessage(option.value, json) : json ? 'null\n' : ''),
      );
    },
  ),
  ack: command('ack', 'ack ID', 'Marks a message this node pulled as processed.', '', async (args, io) => {
    const { values, positionals } = parseCommand(args, {}, 1);
    const id = idArgument(positionals, 'ack');
    return withClient('ack', io, values, (client) => client.ack(id), printMessage);
  }),
  get: command('get', 'get ID', 'Prints a message this node sent or receives.', '', async (args, io) => {
    const { values, positionals } = parseCommand(args, {}, 1);
    const id = idArgument(positionals, 'get');
    return withClient('get', io, values, (client) => client.get(id), printMessage);
  }),
  ls: command(
    'ls',
    'ls [--limit N]',
    "Lists this node's messages, sent or received, oldest first.",
    `  --limit N     at most N messages (default 100); the server caps it at its maximum
                (SCIROCCO_MAX_GET_ALL_MESSAGES, 100 by default)

A note on standard error says when more messages exist than are shown, or may exist.`,
    async (args, io) => {
      const { values } = parseCommand(args, { limit: { type: 'string' } }, 0);
      const limit = wholeNumber('--limit', values.limit);
      const wanted = limit ?? DEFAULT_LIST_MAXIMUM;
      return withClient(
        'ls',
        io,
        values,
        // One more than wanted: if it comes, more exist.
        (client) => client.list({ limit: wanted + 1 }),
        (all, json) => {
          const messages = all.slice(0, wanted);
          const note = listNote(all.length, wanted);
          if (note) io.stderr(`ls: ${note}\n`);
          return json
            ? `${JSON.stringify(messages.map((m) => JSON.parse(messageJson(m)) as unknown))}\n`
            : messages.length === 0
              ? 'no messages\n'
              : messagesTable(messages);
        },
      );
    },
  ),
  rm: command(
    'rm',
    'rm ID | rm --all',
    'Deletes a message this node sent that nobody pulled yet, or all of them.',
    `  --all         every pending or scheduled message this node sent

rm ID fails (exit code 1) when it deleted nothing; rm --all that finds nothing to delete
succeeds with "deleted 0 messages".`,
    async (args, io) => {
      const { values, positionals } = parseCommand(args, { all: { type: 'boolean', default: false } }, 1);
      const id = positionals[0];
      if (id !== undefined && values.all)
        throw new UsageError('a message id and --all exclude each other: give one');
      if (id === undefined && !values.all) throw new UsageError('rm needs a message id, or --all');
      return withClient(
        'rm',
        io,
        values,
        (client) => (id === undefined ? client.deleteAll() : client.delete(id)),
        (count, json) => {
          if (id !== undefined && count === 0) {
            io.stderr(
              `scirocco rm: nothing deleted: node ${values.node ?? io.env.SCIROCCO_NODE ?? ''} sent no pending or scheduled message ${id}\n` +
                "Only a message this node sent that nobody pulled yet can be deleted: 'scirocco ls' lists this node's messages.\n",
            );
            return EXIT.failed;
          }
          return json
            ? `${JSON.stringify({ deleted: count })}\n`
            : `deleted ${count} message${count === 1 ? '' : 's'}\n`;
        },
      );
    },
  ),
  requeue: command(
    'requeue',
    'requeue --older-than DURATION [--dry-run] [--limit N]',
    "Gives back this node's messages processing for longer than DURATION: claims of consumers that are gone.",
    `Where the server has nack (this package's server), each message goes back itself, its tries
kept; elsewhere (the original server) a copy is pushed to this node, then the original acked.
At least once: a consumer that was only slow runs its message again, and its late ack fails.
The server's clock and this machine's must agree to well within DURATION. It sees this node's
oldest messages only (the list of the protocol): a note says when the list was full.
  --older-than D  processing for at least D: 500ms, 10s, 2m, 1h, 7d (required)
  --dry-run       list the stuck messages, change nothing
  --limit N       look at this node's N oldest messages (default 100; the server caps it)

Exit code 1 when a message could not be given back (it is still processing).`,
    async (args, io) => {
      const { values } = parseCommand(
        args,
        {
          'older-than': { type: 'string' },
          'dry-run': { type: 'boolean', default: false },
          limit: { type: 'string' },
        },
        0,
      );
      const text = values['older-than'];
      if (text === undefined) throw new UsageError('--older-than DURATION is required');
      const olderThan = parseDuration(text);
      if (olderThan === undefined) {
        throw new UsageError(
          `--older-than must be a duration such as 10m or 500ms, got ${JSON.stringify(text)}`,
        );
      }
      const limit = wholeNumber('--limit', values.limit);
      const dryRun = values['dry-run'] === true;
      return withClient(
        'requeue',
        io,
        values,
        (client) => client.recoverStuck({ olderThan, dryRun, ...(limit === undefined ? {} : { limit }) }),
        (recovery, json) => {
          if (recovery.listFull) {
            io.stderr(
              "requeue: the list was full: older messages may hide more stuck ones; raise --limit (and the server's SCIROCCO_MAX_GET_ALL_MESSAGES)\n",
            );
          }
          const report = json ? recoveryJson(recovery) : recoveryText(recovery, dryRun);
          if (recovery.failed.length === 0) return report;
          io.stdout(report);
          return EXIT.failed;
        },
      );
    },
  ),
  info: command(
    'info',
    'info',
    'Asks the server who it is: a check of the URL and the token.',
    '',
    async (args, io) => {
      const { values } = parseCommand(args, {}, 0);
      return withClient(
        'info',
        io,
        values,
        (client) => client.info(),
        (info, json) =>
          json
            ? `${JSON.stringify(info)}\n`
            : `${Object.entries(info)
                .map(([key, value]) => `${key.padEnd(8)} ${String(value)}`)
                .join('\n')}\n`,
      );
    },
  ),
};
