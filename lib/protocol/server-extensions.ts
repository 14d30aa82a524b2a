/**
 * What a server offers beyond the protocol, as this package's server advertises it in the
 * `Scirocco-Extensions` header of its `GET /` answer (`nack, processing-timeout=30000`). The
 * original server sends no such header: it offers none, and a client falls back to the plain
 * protocol.
 *
 * @example
 * ```ts
 * import type { ServerExtensions } from 'scirocco-rx';
 *
 * const plain: ServerExtensions = { nack: false };
 * ```
 */
export interface ServerExtensions {
  /** `PATCH /messageQueue/<id>/nack[?delay=MS]` gives a claimed message back, its `tries` kept. */
  readonly nack: boolean;
  /** Messages `processing` for longer than this many milliseconds go back to `pending`. */
  readonly processingTimeoutMs?: number;
  /** The most messages that may wait for one node: a push past it is answered 507. */
  readonly maxWaitingPerNode?: number;
  /**
   * `GET /messageQueue/batch?max=N` claims up to this many messages in one request (`N` at most
   * this), answered as a list is.
   */
  readonly maxBatchPull?: number;
  /**
   * Long polling: a pull (`GET /messageQueue?wait=MS`, and a batch pull) may wait up to this many
   * milliseconds for a message to become due before it answers that none is.
   */
  readonly maxPullWaitMs?: number;
  /**
   * `PATCH /messageQueue/batch/ack` (and, with `nack`, `/messageQueue/batch/nack`) settles up to
   * this many messages by id in one request, each with its own outcome.
   */
  readonly maxBatchAck?: number;
  /**
   * `POST /messageQueue/batch` pushes up to this many messages in one request, each with its own
   * outcome, in a body of at most {@link ServerExtensions.maxBatchPushKb} kB.
   */
  readonly maxBatchPush?: number;
  /** The largest body of a batch push, in kB of 1024 bytes. */
  readonly maxBatchPushKb?: number;
  /**
   * `GET /messageQueue/summary` answers every node's counts by status (a `QueueSummary`),
   * and may wait for the next change (`?since=VERSION&wait=MS`, where the server long-polls).
   */
  readonly summary?: boolean;
  /**
   * A push's `Scirocco-Trace-Parent` header (a W3C `traceparent`) is kept with its message and
   * returned with it (a header of single-message answers, `trace_parent` in list items), so that a
   * consumer's spans link to the producer's.
   */
  readonly traceContext?: boolean;
}

/**
 * The header of `GET /` that lists a server's extensions.
 *
 * @example
 * ```ts
 * import { EXTENSIONS_HEADER, parseExtensions } from 'scirocco-rx';
 *
 * const answer = await fetch('http://localhost:8000/', { headers: { Authorization: 'DEFAULT_TOKEN' } });
 * console.log(parseExtensions(answer.headers.get(EXTENSIONS_HEADER) ?? undefined).nack);
 * ```
 */
export const EXTENSIONS_HEADER = 'Scirocco-Extensions';

/**
 * The request header that names a pull's wait (long polling), so that the client may end the
 * wait early with `DELETE /messageQueue/wait/ID`: 16 to 64 hexadecimal characters, unique to the
 * pull. A header rather than a query parameter, so that a browser's preflight cache (per URL)
 * serves every long poll.
 *
 * @example
 * ```ts
 * import { WAIT_ID_HEADER } from 'scirocco-rx';
 *
 * const headers = { Authorization: 'DEFAULT_TOKEN', 'Scirocco-Node-Source': 'af123' };
 * const waitId = '0123456789abcdef0123456789abcdef';
 * const pull = fetch('http://localhost:8000/messageQueue?wait=20000', {
 *   headers: { ...headers, [WAIT_ID_HEADER]: waitId },
 * });
 * await fetch(`http://localhost:8000/messageQueue/wait/${waitId}`, { method: 'DELETE', headers });
 * console.log((await pull).status); // 204: the wait ended, nothing was due
 * ```
 */
export const WAIT_ID_HEADER = 'Scirocco-Wait-Id';

/**
 * The header value that advertises `extensions`, as the server sends it.
 *
 * @example
 * ```ts
 * import { formatExtensions } from 'scirocco-rx';
 *
 * formatExtensions({ nack: true, processingTimeoutMs: 30_000 }); // 'nack, processing-timeout=30000'
 * formatExtensions({ nack: true, maxWaitingPerNode: 100_000 }); // 'nack, max-waiting=100000'
 * formatExtensions({ nack: true, maxBatchPull: 100 }); // 'nack, batch-pull=100'
 * formatExtensions({ nack: true, maxPullWaitMs: 20_000 }); // 'nack, long-poll=20000'
 * formatExtensions({ nack: true, maxBatchAck: 100 }); // 'nack, batch-ack=100'
 * formatExtensions({ nack: true, maxBatchPush: 100, maxBatchPushKb: 1024 }); // 'nack, batch-push=100, batch-push-kb=1024'
 * formatExtensions({ nack: true, summary: true }); // 'nack, summary'
 * formatExtensions({ nack: true, traceContext: true }); // 'nack, trace-context'
 * ```
 */
export function formatExtensions(extensions: ServerExtensions): string {
  const names: string[] = [];
  if (extensions.nack) names.push('nack');
  if (extensions.processingTimeoutMs !== undefined) {
    names.push(`processing-timeout=${String(extensions.processingTimeoutMs)}`);
  }
  if (extensions.maxWaitingPerNode !== undefined) {
    names.push(`max-waiting=${String(extensions.maxWaitingPerNode)}`);
  }
  if (extensions.maxBatchPull !== undefined) names.push(`batch-pull=${String(extensions.maxBatchPull)}`);
  if (extensions.maxPullWaitMs !== undefined) names.push(`long-poll=${String(extensions.maxPullWaitMs)}`);
  if (extensions.maxBatchAck !== undefined) names.push(`batch-ack=${String(extensions.maxBatchAck)}`);
  if (extensions.maxBatchPush !== undefined) names.push(`batch-push=${String(extensions.maxBatchPush)}`);
  if (extensions.maxBatchPushKb !== undefined)
    names.push(`batch-push-kb=${String(extensions.maxBatchPushKb)}`);
  if (extensions.summary === true) names.push('summary');
  if (extensions.traceContext === true) names.push('trace-context');
  return names.join(', ');
}

/**
 * The extensions a header value advertises; unknown names are ignored, a missing header is none.
 *
 * @example
 * ```ts
 * import { parseExtensions } from 'scirocco-rx';
 *
 * parseExtensions('nack, processing-timeout=30000'); // { nack: true, processingTimeoutMs: 30000 }
 * parseExtensions(undefined); // { nack: false }: the original server
 * ```
 */
export function parseExtensions(header: string | undefined): ServerExtensions {
  let nack = false;
  let summary = false;
  let traceContext = false;
  const numbers: {
    processingTimeoutMs?: number;
    maxWaitingPerNode?: number;
    maxBatchPull?: number;
    maxPullWaitMs?: number;
    maxBatchAck?: number;
    maxBatchPush?: number;
    maxBatchPushKb?: number;
  } = {};
  for (const item of (header ?? '').split(',')) {
    const [name = '', value] = item.trim().toLowerCase().split('=');
    if (name === 'nack') nack = true;
    if (name === 'summary' && value === undefined) summary = true;
    if (name === 'trace-context' && value === undefined) traceContext = true;
    const number = value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
    if (number === undefined) continue;
    if (name === 'processing-timeout') numbers.processingTimeoutMs = number;
    if (name === 'max-waiting') numbers.maxWaitingPerNode = number;
    if (name === 'batch-pull' && number > 0) numbers.maxBatchPull = number;
    if (name === 'long-poll' && number > 0) numbers.maxPullWaitMs = number;
    if (name === 'batch-ack' && number > 0) numbers.maxBatchAck = number;
    if (name === 'batch-push' && number > 0) numbers.maxBatchPush = number;
    if (name === 'batch-push-kb' && number > 0) numbers.maxBatchPushKb = number;
  }
  return { nack, ...numbers, ...(summary ? { summary } : {}), ...(traceContext ? { traceContext } : {}) };
}
