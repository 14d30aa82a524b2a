#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import type { CommandIo } from './client-options.js';
import { commands } from './client-commands.js';
import { demoCommand } from './demo-command.js';
import { serveCommand } from './serve-command.js';
import { EXIT, UsageError } from './usage-error.js';
import { watchCommand } from './watch-command.js';

const CLIENT_COMMANDS = { ...commands, watch: watchCommand };

const HELP = `Usage: scirocco <command> [options]

Server:
  serve           run a scirocco-compatible server
  demo            run a demo pipeline (npm start)

Client (--url, --node, --token, or SCIROCCO_URL, SCIROCCO_NODE, SCIROCCO_MASTER_TOKEN):
${Object.entries(CLIENT_COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(14)}  ${command.summary}`)
  .join('\n')}

'scirocco <command> --help' tells more. Exit codes: 0 done, 1 failed, 2 usage error.

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

async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serveCommand(rest, io);
    case 'demo':
      return demoCommand(rest, io);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.stdout(HELP);
      return EXIT.ok;
    case '--version':
      io.stdout(`${version()}\n`);
      return EXIT.ok;
    default: {
      const client = Object.hasOwn(CLIENT_COMMANDS, command)
        ? CLIENT_COMMANDS[command as keyof typeof CLIENT_COMMANDS]
        : undefined;
      if (!client) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
      return client.run(rest, io);
    }
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
};

const [name] = process.argv.slice(2);
main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      const known =
        name === 'serve' || name === 'demo' || (name !== undefined && Object.hasOwn(CLIENT_COMMANDS, name));
      const command = known ? `scirocco ${name}` : 'scirocco';
      io.stderr(`${command}: ${error.message}\nTry '${command} --help'.\n`);
      process.exitCode = EXIT.usage;
    } else {
      io.stderr(`scirocco: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = EXIT.failed;
    }
  },
);
