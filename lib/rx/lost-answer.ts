import type { SciroccoError } from '../client/scirocco-error.js';
import { TransportFailure } from '../client/transport.js';

/** Network failures that happen before a request reaches the server: nothing was done there. */
const NEVER_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Whether a failed request may have reached the server, which may have acted on it, with its
 * answer lost: a timeout (but one to connect), or a connection cut once it was made
 * (`ECONNRESET`, `socket hang up`, `UND_ERR_SOCKET`…). A failure with no code (a browser's
 * `fetch`) cannot tell, and counts as not sent: it is what a server that is down or a CORS
 * refusal gives there.
 */
export function lostAnswer(error: SciroccoError): boolean {
  const code = error.cause instanceof TransportFailure ? error.cause.code : undefined;
  if (code !== undefined && NEVER_SENT.has(code)) return false;
  if (error.kind === 'timeout') return true;
  return error.kind === 'network' && code !== undefined;
}
