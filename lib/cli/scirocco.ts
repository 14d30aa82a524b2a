#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { serveCommand, type CommandIo } from './serve-command.js';
import { EXIT, UsageError } from './usage-error.js';

const HELP = `Usage: scirocco <command> [options]

Commands:
  serve     run a scirocco-compatible server (scirocco serve --help)

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
      return serveCommand(rest, io, process);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.stdout(HELP);
      return EXIT.ok;
    case '--version':
      io.stdout(`${version()}\n`);
      return EXIT.ok;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

const io: CommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
};

main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      const command = process.argv[2] === 'serve' ? 'scirocco serve' : 'scirocco';
      io.stderr(`${command}: ${error.message}\nTry '${command} --help'.\n`);
      process.exitCode = EXIT.usage;
    } else {
      io.stderr(`scirocco: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = EXIT.failed;
    }
  },
);
