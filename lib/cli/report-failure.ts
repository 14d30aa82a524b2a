import type { SciroccoError } from '../client/scirocco-error.js';
import { EXIT, UsageError } from './usage-error.js';
import type { CommandIo } from './client-options.js';

const HINTS: Partial<Record<SciroccoError['kind'], (url: string, node: string) => string>> = {
  network: (url) => `Is a server running at ${url}? Start one with 'scirocco serve'.`,
  timeout: (url) => `The server at ${url} did not answer in time.`,
  auth: () => 'The server refused the token: check --token or SCIROCCO_MASTER_TOKEN.',
  'not-found': (_, node) =>
    `No such message for node ${node} in that state: 'scirocco ls' lists this node's messages.`,
  'payload-too-large': () => 'The payload is over the server\u2019s size limit.',
  server: () => 'The server failed; try again, or look at its log.',
};

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
  const hint = HINTS[error.kind]?.(client.url, client.node);
  io.stderr(`scirocco ${command}: ${error.message}\n${hint ? `${hint}\n` : ''}`);
  return EXIT.failed;
}
