import { parseArgs, type ParseArgsConfig } from 'node:util';
import { unknownOption } from './unknown-option.js';
import { UsageError } from './usage-error.js';

/** The flags a set of options accepts, as typed: `--port`, `-p`. */
function flagsOf(options: ParseArgsConfig['options']): string[] {
  return Object.entries(options ?? {}).flatMap(([name, option]) => [
    `--${name}`,
    ...(option.short === undefined ? [] : [`-${option.short}`]),
  ]);
}

/**
 * Node's `parseArgs` (strict unless told otherwise), with its mistakes as usage errors: an unknown option is named, with
 * the option it most likely meant (`unknown option --limt (did you mean --limit?)`).
 *
 * @example
 * ```ts
 * const { values } = parseArguments({ args: ['--port', '0'], options: { port: { type: 'string' } } });
 * values.port; // '0'
 * ```
 */
export function parseArguments<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /^Unknown option '([^']+)'/.exec(message)?.[1] ?? '';
      throw unknownOption(option, flagsOf(config.options));
    }
    throw new UsageError(message);
  }
}
