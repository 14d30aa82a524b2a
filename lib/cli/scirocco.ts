#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import type { CommandIo } from './client-options.js';
import { commands } from './client-commands.js';
import { nearMiss } from './near-miss.js';
import { unknownOption } from './unknown-option.js';
import { EXIT, UsageError } from './usage-error.js';
import { watchCommand } from './watch-command.js';

// Only what every command needs is imported here; got, rxjs and the server are loaded by the
// commands that use them, so that `--help` and `--version` start at once.

const CLIENT_COMMANDS = { ...commands, watch: watchCommand };

/** The commands that run a server, loaded when they run. */
const SERVER_COMMANDS: Record<
  string,
  () => Promise<(args: readonly string[], io: CommandIo) => Promise<number>>
> = {
  serve: async () => (await import('./serve-command.js')).serveCommand,
  demo: async () => (await import('./demo-command.js')).demoCommand,
};

const NAMES = [...Object.keys(SERVER_COMMANDS), ...Object.keys(CLIENT_COMMANDS), 'help'];

const HELP = `Usage: scirocco <command> [options]

Server:
  serve           run a scirocco-compatible server
  demo            run a demo pipeline (npm start)

Client (--url, --node, --token, or SCIROCCO_URL, SCIROCCO_NODE, SCIROCCO_MASTER_TOKEN):
${Object.entries(CLIENT_COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(14)}  ${command.summary}`)
  .join('\n')}

'scirocco help <command>' or 'scirocco <command> --help' tells more.
Exit codes: 0 done, 1 failed, 2 usage error.

Options:
  -h, --help      show this help
      --version   show the version
`;

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

function unknownCommand(name: string): UsageError {
  const meant = nearMiss(name, NAMES);
  return new UsageError(`unknown command ${JSON.stringify(name)}${meant ? ` (did you mean ${meant}?)` : ''}`);
}

async function run(command: string, args: readonly string[], io: CommandIo): Promise<number> {
  const server = SERVER_COMMANDS[command];
  if (server) return (await server())(args, io);
  const client = Object.hasOwn(CLIENT_COMMANDS, command)
    ? CLIENT_COMMANDS[command as keyof typeof CLIENT_COMMANDS]
    : undefined;
  if (!client) throw unknownCommand(command);
  return client.run(args, io);
}

async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '--help':
    case '-h':
      io.stdout(HELP);
      return EXIT.ok;
    case 'help': {
      const [topic, ...extra] = rest;
      if (topic === undefined) {
        io.stdout(HELP);
        return EXIT.ok;
      }
      if (extra.length > 0)
        throw new UsageError(`help takes one command, got also ${JSON.stringify(extra[0])}`);
      if (topic === 'help') {
        io.stdout(HELP);
        return EXIT.ok;
      }
      return run(topic, ['--help'], io);
    }
    case '--version':
      io.stdout(`${version()}\n`);
      return EXIT.ok;
    default:
      if (command.startsWith('-')) throw unknownOption(command, ['--help', '--version']);
      return run(command, rest, io);
  }
}

const io: CommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
  stdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return new Uint8Array(Buffer.concat(chunks));
  },
  signals: process,
  isTty: process.stdout.isTTY,
  get columns() {
    return process.stdout.isTTY ? process.stdout.columns : undefined;
  },
};

const [name] = process.argv.slice(2);
main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      const known = name !== undefined && name !== 'help' && NAMES.includes(name);
      const command = known ? `scirocco ${name}` : 'scirocco';
      io.stderr(`${command}: ${error.message}\nTry '${command} --help'.\n`);
      process.exitCode = EXIT.usage;
    } else {
      io.stderr(`scirocco: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = EXIT.failed;
    }
  },
);
