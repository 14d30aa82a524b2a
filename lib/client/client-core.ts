import type { ServerExtensions } from '../protocol/server-extensions.js';
import type { RecoverStuckOptions, StuckRecovery } from './recover-stuck.js';
import type { Option, Result } from 'ts-results-es';
import type { MessageMetadata, SciroccoMessage } from '../protocol/message-metadata.js';
import type { MessageStatus } from '../protocol/message-status.js';
import type { QueueSummary } from '../protocol/queue-summary.js';
import type { Payload, PayloadOf } from './payload.js';
import type { SciroccoError } from './scirocco-error.js';
import type { ClientTelemetry } from './client-telemetry.js';

/** Options every call takes. */
export interface CallOptions {
  /** Cancels the call: it resolves to an `aborted` error. */
  readonly signal?: AbortSignal;
}

/**
 * Options of {@link ClientCore.nack}.
 *
 * @example
 * ```ts
 * import type { NackOptions } from 'scirocco-rx';
 *
 * const options: NackOptions = { delayMs: 30_000 };
 * ```
 */
export interface NackOptions extends CallOptions {
  /** The message is due again this many milliseconds later (`scheduled`). @default 0: at once */
  readonly delayMs?: number;
}

/**
 * Options of {@link ClientCore.pull}.
 *
 * @example
 * ```ts
 * import type { PullCallOptions } from 'scirocco-rx';
 *
 * const options: PullCallOptions = { waitMs: 20_000 };
 * ```
 */
export interface PullCallOptions extends CallOptions {
  /**
   * Long polling: where the server offers it (`long-poll` in its extensions), the pull waits up
   * to this many milliseconds (at most the server's most) for a message to become due before it
   * answers `None`; the answer timeout of the call is this much longer. Elsewhere (the original
   * server) it is ignored: the pull answers at once. @default 0: answer at once
   */
  readonly waitMs?: number;
}

/**
 * Options of {@link ClientCore.pullMany}.
 *
 * @example
 * ```ts
 * import type { PullManyOptions } from 'scirocco-rx';
 *
 * const options: PullManyOptions = { max: 10, waitMs: 20_000 };
 * ```
 */
export interface PullManyOptions extends PullCallOptions {
  /** The most messages to claim: 1 or more (the server's batch most caps it). */
  readonly max: number;
}

/** Options of {@link ClientCore.extensions}. */
export interface ExtensionsOptions extends CallOptions {
  /** Ask the server again instead of reusing the answer this client keeps. @default false */
  readonly refresh?: boolean;
}

/** Options of {@link ClientCore.push}. */
export interface PushOptions extends CallOptions {
  /** A free label of 1 to 30 printable ASCII characters. @default the Content-Type of the payload kind */
  readonly payloadType?: string;
  /** Makes the message `scheduled`: no pull gets it before this time. Must be in the future. */
  readonly scheduledAt?: Date;
}

/**
 * One message of {@link ClientCore.pushMany}: where it goes, its payload, and the options of its
 * push.
 *
 * @example
 * ```ts
 * import type { PushManyMessage } from 'scirocco-rx';
 *
 * const message: PushManyMessage<{ celsius: number }> = { destination: 'bc456', payload: { celsius: 21 } };
 * ```
 */
export interface PushManyMessage<P extends Payload = Payload> extends Omit<PushOptions, 'signal'> {
  /** The destination node id. */
  readonly destination: string;
  /** The payload, as `push` takes it. */
  readonly payload: P;
}

/** Options of {@link ClientCore.list}. */
export interface ListOptions extends CallOptions {
  /** At most this many messages (the server caps it, 100 by default). */
  readonly limit?: number;
  /**
   * Only the messages of this status. This package's server lists the oldest `limit` of them;
   * the original ignores it, and the client keeps those of the status among the oldest `limit`.
   */
  readonly status?: MessageStatus;
}

/**
 * Options of {@link ClientCore.summary}.
 *
 * @example
 * ```ts
 * import type { SummaryOptions } from 'scirocco-rx';
 *
 * // The next summary after version 41, or the same one 20 s later if nothing changed.
 * const options: SummaryOptions = { since: 41, waitMs: 20_000 };
 * ```
 */
export interface SummaryOptions extends CallOptions {
  /** Answer once the queue's version is past this one (or after `waitMs`). @default answer at once */
  readonly since?: number;
  /**
   * With `since`: how long the server may wait for a change, in milliseconds (at most its
   * long-poll limit; where it has no long polling, it answers at once). @default 0
   */
  readonly waitMs?: number;
}

/** What `GET /` answers: `{ name, author, source }` on the original server. */
export type ServerInfo = Readonly<Record<string, unknown>>;

/** A promise that resolves to a Result and never rejects for a protocol or network outcome. */
export type SciroccoResult<T> = Promise<Result<T, SciroccoError>>;

/**
 * The promise API of a client: one method per protocol operation, each resolving to a `Result`
 * (ts-results-es) and never rejecting. Bad input is an `invalid-argument` error and sends no
 * request.
 */
export interface ClientCore {
  /** The server URL, without a trailing slash. */
  readonly url: string;
  /** This client's node id. */
  readonly node: string;
  /** What tells of the client's work (its `telemetry` option), when it has one. */
  readonly telemetry?: ClientTelemetry;

  /**
   * Pushes a message to `destination`: objects and arrays as JSON, strings as text, bytes
   * (`Uint8Array`, `Buffer`, `ArrayBuffer`) as `application/octet-stream`.
   *
   * @example
   * ```ts
   * const pushed = await client.push('af123', { type: 'message' });
   * if (pushed.isOk()) console.log(pushed.value.metadata.id, pushed.value.payload.type);
   * await client.push('af123', 'message', { scheduledAt: new Date(Date.now() + 60_000) });
   * await client.push('af123', await readFile('file.bin'), { payloadType: '.bin' });
   * ```
   */
  push<P extends Payload>(
    destination: string,
    payload: P,
    options?: PushOptions,
  ): SciroccoResult<SciroccoMessage<PayloadOf<P>>>;

  /**
   * Pushes many messages, each with its own outcome, in the order given: the pushed message
   * (`metadata` as the server stored it, `payload` as given), or the error its own `push` would
   * have had. Where the server has batch pushes (`batch-push`) that is one request per
   * `maxBatchPush` messages and `maxBatchPushKb` of body, sent one after the other so the queue
   * keeps their order (a message too big for a batch goes alone); elsewhere (the original) one
   * push per message, in order. The whole call fails only for invalid input, before any request:
   * a request that fails gives its error to each of its messages.
   *
   * @example
   * ```ts
   * const outcomes = await client.pushMany([
   *   { destination: 'bc456', payload: { n: 1 } },
   *   { destination: 'bc456', payload: 'later', scheduledAt: new Date(Date.now() + 60_000) },
   * ]);
   * for (const outcome of outcomes.unwrapOr([])) if (outcome.isErr()) console.error(outcome.error.message);
   * ```
   */
  pushMany<P extends Payload>(
    messages: readonly PushManyMessage<P>[],
    options?: CallOptions,
  ): SciroccoResult<Result<SciroccoMessage<PayloadOf<P>>, SciroccoError>[]>;

  /**
   * Claims the oldest due message for this node (it becomes `processing`): `Some(message)`, or
   * `None` when nothing is due. Bytes come back as `Uint8Array`. The type parameter is the
   * payload you expect: it is not checked.
   *
   * A pull that is aborted after the server claimed the message leaves it `processing`: the
   * protocol has no way back.
   *
   * @example
   * ```ts
   * const pulled = await client.pull<{ type: string }>();
   * if (pulled.isOk() && pulled.value.isSome()) {
   *   const message = pulled.value.value;
   *   console.log(message.payload.type);
   *   await client.ack(message.metadata.id);
   * }
   * ```
   */
  pull<T = unknown>(options?: PullCallOptions): SciroccoResult<Option<SciroccoMessage<T>>>;

  /**
   * Claims up to `max` of the oldest due messages for this node, oldest first: an empty array
   * when nothing is due. Where the server offers batch pulls (`batch-pull` in its extensions)
   * that is one request (`max` capped at the server's most); elsewhere (the original server) it
   * is a single pull, so that it gives at most one message. With `waitMs`, the request waits
   * for a message where the server offers long polling (see {@link PullCallOptions.waitMs}).
   * Every message it gives is `processing`: ack each (or nack it).
   *
   * @example
   * ```ts
   * const pulled = await client.pullMany<{ n: number }>({ max: 10, waitMs: 20_000 });
   * for (const message of pulled.unwrapOr([])) await client.ack(message.metadata.id);
   * ```
   */
  pullMany<T = unknown>(options: PullManyOptions): SciroccoResult<SciroccoMessage<T>[]>;

  /**
   * Marks a message this node pulled as `processed`. A message that is not this node's, or not
   * `processing` (acked already, say), is a `not-found` error.
   *
   * @example
   * ```ts
   * const acked = await client.ack('5823a70203c123003de4229b');
   * ```
   */
  ack<T = unknown>(id: string, options?: CallOptions): SciroccoResult<SciroccoMessage<T>>;

  /**
   * Reads a message this node sent or receives, without changing it.
   *
   * @example
   * ```ts
   * const message = await client.get('5823a70203c123003de4229b');
   * ```
   */
  get<T = unknown>(id: string, options?: CallOptions): SciroccoResult<SciroccoMessage<T>>;

  /**
   * Lists messages this node sent or receives, oldest first; an empty array when there are none.
   *
   * @example
   * ```ts
   * const messages = await client.list({ limit: 10 });
   * ```
   */
  list<T = unknown>(options?: ListOptions): SciroccoResult<SciroccoMessage<T>[]>;

  /**
   * Replaces the payload of a message this node sent that nobody has pulled yet. Its payload type
   * stays as it was.
   *
   * @example
   * ```ts
   * const updated = await client.update('5823a70203c123003de4229b', { type: 'corrected' });
   * ```
   */
  update<P extends Payload>(
    id: string,
    payload: P,
    options?: CallOptions,
  ): SciroccoResult<SciroccoMessage<PayloadOf<P>>>;

  /**
   * Deletes a message this node sent that nobody has pulled yet; resolves to the number deleted
   * (0 or 1).
   *
   * @example
   * ```ts
   * const deleted = await client.delete('5823a70203c123003de4229b'); // Ok(1)
   * ```
   */
  delete(id: string, options?: CallOptions): SciroccoResult<number>;

  /**
   * Deletes every message this node sent that nobody has pulled yet; resolves to the count.
   *
   * @example
   * ```ts
   * const deleted = await client.deleteAll();
   * ```
   */
  deleteAll(options?: CallOptions): SciroccoResult<number>;

  /**
   * Deletes every message of every node: an administrative operation. Resolves to the count.
   *
   * @example
   * ```ts
   * const wiped = await client.wipe();
   * ```
   */
  wipe(options?: CallOptions): SciroccoResult<number>;

  /**
   * Asks the server who it is: a check of the URL and the token.
   *
   * @example
   * ```ts
   * const info = await client.info(); // Ok({ name: 'DDS endpoint.', ... })
   * ```
   */
  info(options?: CallOptions): SciroccoResult<ServerInfo>;

  /**
   * The nack extension of this package's server: gives a message this node pulled back to the
   * queue — due at once, or `delayMs` later — with its `tries` kept, so that they count
   * deliveries across consumers. Ask `extensions()` first: a server without it (the original)
   * answers `not-found`.
   *
   * @example
   * ```ts
   * const nacked = await client.nack('5823a70203c123003de4229b', { delayMs: 5_000 });
   * ```
   */
  nack<T = unknown>(id: string, options?: NackOptions): SciroccoResult<SciroccoMessage<T>>;

  /**
   * Acks many messages this node pulled, each with its own outcome, in the order of `ids`: its
   * metadata (`processed`), or the error its single `ack` would have given (`not-found` for one
   * that is not this node's or not `processing`). Where the server has batch acks (`batch-ack`)
   * that is one request per `maxBatchAck` ids; elsewhere (the original) one ack per id, at once.
   * An id given twice is acked once, at its first place. The whole call fails only for invalid
   * `ids`, before any request: a request that fails gives its error to each of its ids.
   *
   * @example
   * ```ts
   * const outcomes = (await client.ackMany(['5823a70203c123003de4229b'])).unwrapOr([]);
   * for (const outcome of outcomes) if (outcome.isErr()) console.error(outcome.error.message);
   * ```
   */
  ackMany(
    ids: readonly string[],
    options?: CallOptions,
  ): SciroccoResult<Result<MessageMetadata, SciroccoError>[]>;

  /**
   * {@link ClientCore.nack} for many messages, as {@link ClientCore.ackMany} acks them: one
   * request per `maxBatchAck` ids where the server has batch acks and nack, else one nack per id
   * (`not-found` each, against a server without nack).
   *
   * @example
   * ```ts
   * const outcomes = await client.nackMany(['5823a70203c123003de4229b'], { delayMs: 5_000 });
   * ```
   */
  nackMany(
    ids: readonly string[],
    options?: NackOptions,
  ): SciroccoResult<Result<MessageMetadata, SciroccoError>[]>;

  /**
   * What the server offers beyond the protocol (its `Scirocco-Extensions` header): `{ nack:
   * false }` and nothing else from the original server, or from a client made `plain`. Asked
   * once per client, at the first call that needs it, and kept (a failure is not: the next call
   * asks again); calls made while it is asked share one request. `refresh` asks again.
   *
   * @example
   * ```ts
   * const { nack } = (await client.extensions()).unwrapOr({ nack: false });
   * const now = await client.extensions({ refresh: true }); // after the server was upgraded
   * ```
   */
  extensions(options?: ExtensionsOptions): SciroccoResult<ServerExtensions>;

  /**
   * The reaper: gives back to this node's queue its messages `processing` for at least
   * `olderThan` ms — claims of consumers that crashed between pull and ack, which the original
   * server keeps `processing` forever. Where the server has nack, each is nacked (the same
   * message, its `tries` kept); elsewhere a copy is pushed to this node and the original acked.
   * At least once: a consumer that was only slow runs its message again, and its late ack fails
   * (`not-found`). It sees what `list` shows: this node's oldest `limit` messages. Errs only when
   * the list (or the question of the extensions) fails; each message's fate is in the answer.
   *
   * @example
   * ```ts
   * const recovery = await client.recoverStuck({ olderThan: 10 * 60_000 });
   * if (recovery.isOk()) console.log(`${recovery.value.recovered.length} back in the queue`);
   * ```
   */
  recoverStuck(options: RecoverStuckOptions): SciroccoResult<StuckRecovery>;

  /**
   * The summary extension of this package's server: every destination node's counts by status,
   * the ages of its oldest pending and processing messages, the server's totals, and the queue's
   * version; with `since`, the next summary once the queue has changed. The original server has
   * none: it answers 404 (`not-found`).
   *
   * @example
   * ```ts
   * const summary = await client.summary();
   * if (summary.isOk()) {
   *   for (const node of summary.value.nodes) console.log(node.node, node.counts.pending, node.oldestPendingAgeMs);
   * }
   * ```
   */
  summary(options?: SummaryOptions): SciroccoResult<QueueSummary>;

  /** Releases the connections the client keeps open. */
  close(): void;

  /** `SciroccoClient(<url>, node <node>)`: never the token. */
  toString(): string;

  /** `{ url, node }`: never the token. */
  toJSON(): { url: string; node: string };
}
