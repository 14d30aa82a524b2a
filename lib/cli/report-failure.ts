import type { SciroccoError } from '../client/scirocco-error.js';
import { hintFor } from './failure-hint.js';
import { escapeControls } from './format-message.js';
import { EXIT, UsageError } from './usage-error.js';
import type { CommandIo } from './client-options.js';

/**
 * Tells a person what went wrong and what to try, and gives the exit code: 2 for input refused
 * before any request, 1 for an operation that failed.
 */
export function reportFailure(
  command: string,
  error: SciroccoError,
  client: { url: string; node: string },
  io: CommandIo,
): number {
  if (error.kind === 'invalid-argument') throw new UsageError(error.message.replace(/^\w+: /, ''));
  const hint = hintFor(error, client);
  // The message may quote the server's own text: it must not drive the terminal.
  io.stderr(`scirocco ${command}: ${escapeControls(error.message)}\n${hint ? `${hint}\n` : ''}`);
  return EXIT.failed;
}
