import type { TransportRequest } from './transport.js';
import { SciroccoError, type SciroccoErrorKind, type SciroccoOperation } from './scirocco-error.js';

/** Where a call went: named in every error message as `operation METHOD /path`. */
export interface CallSite {
  readonly operation: SciroccoOperation;
  readonly method: TransportRequest['method'];
  readonly path: string;
  readonly messageId?: string | undefined;
}

function kindOfStatus(status: number): SciroccoErrorKind {
  if (status === 403) return 'auth';
  if (status === 404) return 'not-found';
  if (status === 400 || status === 415) return 'validation';
  if (status === 413) return 'payload-too-large';
  if (status === 507) return 'queue-full';
  return status >= 500 ? 'server' : 'protocol';
}

/** An error about a call: `operation METHOD /path: detail`. */
export function callError(
  site: CallSite,
  kind: SciroccoErrorKind,
  detail: string,
  extra: {
    status?: number;
    fieldErrors?: Readonly<Record<string, unknown>> | undefined;
    cause?: unknown;
  } = {},
): SciroccoError {
  return new SciroccoError(kind, `${site.operation} ${site.method} ${site.path}: ${detail}`, {
    operation: site.operation,
    messageId: site.messageId,
    ...extra,
  });
}

/** The error for an answer whose status is not the operation's: its kind follows the status. */
export function statusError(
  site: CallSite,
  status: number,
  body: { readonly message?: string; readonly errors?: Readonly<Record<string, unknown>> },
): SciroccoError {
  const kind = kindOfStatus(status);
  const detail = kind === 'protocol' ? `unexpected status ${status}` : `${status}`;
  return callError(site, kind, body.message === undefined ? detail : `${detail} ${body.message}`, {
    status,
    fieldErrors: body.errors,
  });
}

/** The error for input refused before any request: `operation: reason`. */
export function invalidArgument(operation: SciroccoOperation, reason: string): SciroccoError {
  return new SciroccoError('invalid-argument', `${operation}: ${reason}`, { operation });
}
