/**
 * What went wrong, in one word:
 *
 * | kind | when | retryable |
 * | --- | --- | --- |
 * | `invalid-argument` | the call's input was refused before any request was sent | no |
 * | `auth` | the server refused the token (403) | no |
 * | `not-found` | no such message for this node, or not in the right state (404) | no |
 * | `validation` | the server refused the request (400, 415), `fieldErrors` by field | no |
 * | `payload-too-large` | the body is over the server's limit (413) | no |
 * | `queue-full` | the destination has as many messages waiting as the server keeps for a node (507, `maxWaitingPerNode` of this package's server): try again once its consumers have taken some | yes |
 * | `server` | the server failed (other 5xx) | yes |
 * | `network` | no answer: refused, reset, DNS…; in a browser, also an answer CORS hid from the page | yes |
 * | `timeout` | no answer within the client's `timeout` | yes |
 * | `protocol` | an answer this protocol does not allow | no |
 * | `aborted` | the caller's `AbortSignal` fired | no |
 */
export type SciroccoErrorKind =
  | 'invalid-argument'
  | 'auth'
  | 'not-found'
  | 'validation'
  | 'payload-too-large'
  | 'queue-full'
  | 'server'
  | 'network'
  | 'timeout'
  | 'protocol'
  | 'aborted';

/** The client operations, as errors name them. */
export type SciroccoOperation =
  | 'createClient'
  | 'push'
  | 'pushMany'
  | 'pull'
  | 'pullMany'
  | 'ack'
  | 'ackMany'
  | 'get'
  | 'list'
  | 'update'
  | 'delete'
  | 'deleteAll'
  | 'wipe'
  | 'info'
  | 'nack'
  | 'nackMany'
  | 'extensions'
  | 'recoverStuck'
  | 'summary';

const RETRYABLE: ReadonlySet<SciroccoErrorKind> = new Set(['queue-full', 'server', 'network', 'timeout']);

/** Details of a {@link SciroccoError}. */
export interface SciroccoErrorDetails {
  readonly operation: SciroccoOperation;
  readonly status?: number | undefined;
  readonly fieldErrors?: Readonly<Record<string, unknown>> | undefined;
  readonly messageId?: string | undefined;
  /** The source item a `pushFrom` could not push. */
  readonly item?: unknown;
  /** The other items a `pushFrom` had taken from its source and not pushed when it gave up. */
  readonly unpushed?: readonly unknown[];
  readonly cause?: unknown;
}

/**
 * The one error type of scirocco-rx. Its `kind` says what went wrong, `retryable` whether trying
 * again may help, and its message names the operation and the URL path. It never holds the
 * token: not in its message, its fields, its `cause`, `toString()`, `JSON.stringify` or
 * `util.inspect`.
 *
 * @example
 * ```ts
 * import { createClient } from 'scirocco-rx';
 *
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * const result = await client.ack('5823a70203c123003de4229b');
 * if (result.isErr()) {
 *   const { kind, status, retryable, message } = result.error;
 *   console.log(kind, status, retryable, message);
 *   // not-found 404 false 'ack PATCH /messageQueue/5823a70203c123003de4229b/ack: 404 Resource not found.'
 * }
 * ```
 */
export class SciroccoError extends Error {
  override readonly name = 'SciroccoError';
  readonly kind: SciroccoErrorKind;
  readonly operation: SciroccoOperation;
  /** The HTTP status, when the server answered. */
  readonly status?: number;
  /** Whether the same call may succeed if tried again: true for `server`, `network` and `timeout`. */
  readonly retryable: boolean;
  /** The server's `errors` object, by field name (`node_destination`, `scheduled_time`, …). */
  readonly fieldErrors?: Readonly<Record<string, unknown>>;
  /** The message the call was about, when it was about one. */
  readonly messageId?: string;
  /** The source item a `pushFrom` could not push. */
  readonly item?: unknown;
  /**
   * For a `pushFrom` that gave up: the other items it had taken from its source and not pushed —
   * waiting for a slot (never sent), or sent with no answer yet (those may still be stored).
   */
  readonly unpushed?: readonly unknown[];

  constructor(kind: SciroccoErrorKind, message: string, details: SciroccoErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.operation = details.operation;
    this.retryable = RETRYABLE.has(kind);
    if (details.status !== undefined) this.status = details.status;
    if (details.fieldErrors !== undefined) this.fieldErrors = details.fieldErrors;
    if (details.messageId !== undefined) this.messageId = details.messageId;
    if ('item' in details) this.item = details.item;
    if (details.unpushed !== undefined) this.unpushed = details.unpushed;
  }

  /**
   * The same error, naming the source item it was about and, for a `pushFrom` that gave up, the
   * other items it had taken from its source and not pushed.
   */
  withItem(item: unknown, unpushed?: readonly unknown[]): SciroccoError {
    const { kind, message, operation, status, fieldErrors, messageId } = this;
    return new SciroccoError(kind, message, {
      operation,
      status,
      fieldErrors,
      messageId,
      item,
      ...(unpushed === undefined ? {} : { unpushed }),
      cause: this.cause,
    });
  }

  /** A plain object for logs: every field but the stack and the cause. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      kind: this.kind,
      operation: this.operation,
      message: this.message,
      status: this.status,
      retryable: this.retryable,
      fieldErrors: this.fieldErrors,
      messageId: this.messageId,
    };
  }
}

/**
 * Tells whether a value is a {@link SciroccoError}, by its name, so that it works across bundles
 * and realms where `instanceof` does not.
 *
 * @example
 * ```ts
 * import { isSciroccoError } from 'scirocco-rx';
 *
 * try {
 *   JSON.parse('{');
 * } catch (error) {
 *   console.log(isSciroccoError(error)); // false
 * }
 * ```
 */
export function isSciroccoError(value: unknown): value is SciroccoError {
  return (
    value instanceof Error &&
    value.name === 'SciroccoError' &&
    typeof (value as Partial<SciroccoError>).kind === 'string'
  );
}
