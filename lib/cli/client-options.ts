import type { ParseArgsConfig } from 'node:util';
import type { SciroccoClient } from '../rx/scirocco-client.js';
import { isSciroccoError } from '../client/scirocco-error.js';
import { parseArguments } from './parse-arguments.js';
import { UsageError } from './usage-error.js';

/** Where a command writes and what it reads; the process's by default. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads all of standard input. */
  readonly stdin: () => Promise<Uint8Array>;
  /** Emits SIGINT and SIGTERM. */
  readonly signals: NodeJS.EventEmitter;
  /** Whether stdout is a terminal (live redraws). */
  readonly isTty: boolean;
  /** The width of the terminal, when stdout is one. */
  readonly columns?: number | undefined;
}

/** The flags every client command takes. */
export const CLIENT_OPTIONS = {
  url: { type: 'string' },
  node: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

/** The help lines of the common flags. */
export const CLIENT_OPTIONS_HELP = `Common options:
      --url URL     the server (env SCIROCCO_URL, default http://127.0.0.1:8000)
      --node ID     this client's node id, hexadecimal (env SCIROCCO_NODE; required)
      --token T     the server's token (env SCIROCCO_MASTER_TOKEN, default DEFAULT_TOKEN);
                    prefer the variable: options show in process lists
      --json        print JSON for scripts instead of text for people
  -h, --help        show this help

Exit codes: 0 done, 1 the operation failed, 2 usage error.`;

type OptionValue<T> = T extends { readonly type: 'boolean' } ? boolean : string;

/** A command's parsed arguments: flag values by name (absent when not given), then positionals. */
export interface ParsedCommand<O> {
  readonly values: {
    readonly [K in keyof (typeof CLIENT_OPTIONS & O)]?: OptionValue<(typeof CLIENT_OPTIONS & O)[K]>;
  };
  readonly positionals: string[];
}

/** Parses a command's arguments with the common flags and its own. */
export function parseCommand<O extends ParseArgsConfig['options']>(
  args: readonly string[],
  options: O,
  positionals: number,
): ParsedCommand<O> {
  const parsed = parseArguments({
    args: [...args],
    options: { ...CLIENT_OPTIONS, ...options },
    allowPositionals: positionals > 0,
  }) as unknown as ParsedCommand<O>;
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[positionals])}`);
  }
  return parsed;
}

/**
 * A client from the common flags and the environment; a usage error when they are wrong. It loads
 * the HTTP client only now, so that commands that need none start at once.
 */
export async function clientFrom(
  values: { url?: string | undefined; node?: string | undefined; token?: string | undefined },
  io: CommandIo,
): Promise<SciroccoClient> {
  const node = values.node ?? io.env.SCIROCCO_NODE;
  if (node === undefined || node === '') throw new UsageError('--node is required (or set SCIROCCO_NODE)');
  const { createClient } = await import('../create-client.js');
  try {
    return createClient({
      url: values.url ?? (io.env.SCIROCCO_URL || 'http://127.0.0.1:8000'),
      node,
      token: values.token ?? (io.env.SCIROCCO_MASTER_TOKEN || 'DEFAULT_TOKEN'),
    });
  } catch (error) {
    throw new UsageError(
      isSciroccoError(error) ? error.message.replace(/^createClient: /, '') : String(error),
    );
  }
}

/** Parses a positive whole number flag. */
export function wholeNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) <= 0)
    throw new UsageError(`${name} must be a positive whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}
