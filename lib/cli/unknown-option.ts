import { nearMiss } from './near-miss.js';
import { UsageError } from './usage-error.js';

/**
 * The usage error for an option nobody knows, with the one of `known` it most likely meant.
 *
 * @example
 * ```ts
 * unknownOption('--prot', ['--port', '--host']).message; // 'unknown option --prot (did you mean --port?)'
 * ```
 */
export function unknownOption(option: string, known: readonly string[]): UsageError {
  const [name = option] = option.split('=');
  const meant = name.startsWith('--')
    ? nearMiss(
        name,
        known.filter((flag) => flag.startsWith('--')),
      )
    : undefined;
  return new UsageError(`unknown option ${name}${meant ? ` (did you mean ${meant}?)` : ''}`);
}
