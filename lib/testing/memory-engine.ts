import { Err, None, Ok, Some, type Option, type Result } from 'ts-results-es';
import type { ListOptions, PushOptions, ServerInfo } from '../client/client-core.js';
import type { SciroccoError } from '../client/scirocco-error.js';
import { callError, invalidArgument, statusError, type CallSite } from '../client/status-error.js';
import { validateListLimit, validateListStatus, validatePush } from '../client/validate-input.js';
import { encodePayload, type EncodedPayload } from '../protocol/encode-payload.js';
import { MemoryMessages } from '../protocol/memory-messages.js';
import type { SciroccoMessage } from '../protocol/message-metadata.js';
import { createObjectIdGenerator } from '../protocol/object-id.js';
import { payloadLimitBytes, type QueueLimits } from '../protocol/queue-limits.js';
import { summarizeGroups, type QueueSummary } from '../protocol/queue-summary.js';
import { SERVER_INFO } from '../protocol/server-info.js';
import type { ServerExtensions } from '../protocol/server-extensions.js';
import type { StoredMessage, StoredPayload } from '../protocol/stored-message.js';
import { validateMessageId } from '../protocol/validation.js';

/** The memory queue's size limits: the server's (in kB of 1024 bytes). */
export type MemoryLimits = QueueLimits;

function decode(payload: StoredPayload): unknown {
  if (payload.kind === 'json') return JSON.parse(payload.value);
  if (payload.kind === 'text') return payload.value;
  return new Uint8Array(payload.value);
}

function stored(encoded: EncodedPayload): StoredPayload {
  return typeof encoded.body === 'string'
    ? { kind: encoded.kind === 'text' ? 'text' : 'json', value: encoded.body }
    : { kind: 'bytes', value: encoded.body };
}

const UTF8 = new TextEncoder();

function sizeOf(encoded: EncodedPayload): number {
  return typeof encoded.body === 'string' ? UTF8.encode(encoded.body).byteLength : encoded.body.byteLength;
}

/**
 * The queue of `createMemoryQueue`, synchronous: every operation answers at once with a Result,
 * so that Observables built on it never wait for a Promise. Its rules, answers and errors are the
 * server's, over the same input checks as the HTTP client.
 */
export class MemoryEngine {
  private readonly messages = new MemoryMessages();
  private readonly nextId: () => string;
  /** What the queue counted since it was made, as the server's summary totals it. */
  private readonly totals = { pushed: 0, claimed: 0, acked: 0, nacked: 0, recovered: 0 };
  /** Grows with every change, as the server's summary version does. */
  private version = 0;
  /** The pulls that wait for a message, by node, oldest first (long polling). */
  private readonly watchers = new Map<string, Set<() => void>>();

  constructor(
    private readonly clock: () => number,
    private readonly limits: MemoryLimits,
    private readonly plain = false,
    /** The most a pull may wait (long polling); 0 offers none. */
    private readonly maxPullWaitMs = 0,
  ) {
    this.nextId = createObjectIdGenerator(clock);
  }

  /**
   * Calls `wake` once, when a message for `node` may have become due (a push, a nack): the pulls
   * that wait are woken one per message, the one that has waited longest first. Returns what
   * stops the watch.
   */
  watch(node: string, wake: () => void): () => void {
    let watching = this.watchers.get(node);
    if (!watching) this.watchers.set(node, (watching = new Set()));
    const set = watching;
    set.add(wake);
    return () => {
      set.delete(wake);
      if (set.size === 0 && this.watchers.get(node) === set) this.watchers.delete(node);
    };
  }

  /** Wakes the oldest waiting pull of a message's destination, when the message is due. */
  private due(message: StoredMessage): void {
    if (message.status !== 'pending') return;
    const watching = this.watchers.get(message.nodeDestination);
    const [first] = watching ?? [];
    if (!first || !watching) return;
    watching.delete(first);
    if (watching.size === 0) this.watchers.delete(message.nodeDestination);
    first();
  }

  /** When the next waiting message of `node` becomes due, in the clock's milliseconds. */
  nextDue(node: string): number | undefined {
    return this.messages.nextDue(node, this.now())?.getTime();
  }

  /** How long a pull asked to wait `waitMs` waits here: 0 where the queue does not long-poll. */
  pullWait(waitMs: number): number {
    return this.plain ? 0 : Math.min(waitMs, this.maxPullWaitMs);
  }

  private now(): Date {
    return new Date(this.clock());
  }

  private view<T>(message: StoredMessage): SciroccoMessage<T> {
    const { payload, ...metadata } = message;
    return { metadata, payload: decode(payload) as T };
  }

  private tooLarge(encoded: EncodedPayload): boolean {
    return sizeOf(encoded) > payloadLimitBytes(this.limits, encoded.kind);
  }

  private found<T>(
    site: CallSite,
    message: StoredMessage | undefined,
  ): Result<SciroccoMessage<T>, SciroccoError> {
    return message
      ? Ok(this.view<T>(message))
      : Err(statusError(site, 404, { message: 'Resource not found.' }));
  }

  private withId(operation: CallSite['operation'], id: unknown): Result<string, SciroccoError> {
    return validateMessageId(id).mapErr((reason) => invalidArgument(operation, reason));
  }

  push<T>(
    node: string,
    destination: unknown,
    payload: unknown,
    options: PushOptions,
  ): Result<SciroccoMessage<T>, SciroccoError> {
    const input = validatePush(destination, payload, options, this.clock());
    if (input.isErr()) return Err(invalidArgument('push', input.error));
    const { encoded, scheduledAt, payloadType } = input.value;
    if (this.tooLarge(encoded)) {
      const site = { operation: 'push', method: 'POST', path: '/messageQueue' } as const;
      return Err(statusError(site, 413, { message: 'request entity too large' }));
    }
    const message: StoredMessage = {
      id: this.nextId(),
      nodeSource: node,
      nodeDestination: input.value.destination,
      status: scheduledAt ? 'scheduled' : 'pending',
      tries: 0,
      payloadType: payloadType ?? encoded.contentType,
      createdTime: this.now(),
      ...(scheduledAt ? { scheduledTime: scheduledAt } : {}),
      payload: stored(encoded),
    };
    this.messages.insert(message);
    this.count('pushed', 1);
    this.due(message);
    return Ok(this.view<T>(message));
  }

  pull<T>(node: string): Result<Option<SciroccoMessage<T>>, SciroccoError> {
    const claimed = this.messages.claimNextDue(node, this.now());
    this.count('claimed', claimed ? 1 : 0);
    return Ok(claimed ? Some(this.view<T>(claimed)) : None);
  }

  /** Claims up to `max` (at most a list's limit; one on a plain queue), oldest first. */
  pullMany<T>(node: string, max: number): Result<SciroccoMessage<T>[], SciroccoError> {
    const most = this.plain ? 1 : this.limits.maxListMessages;
    const claimed = this.messages.claimDue(node, this.now(), Math.min(max, most));
    this.count('claimed', claimed.length);
    return Ok(claimed.map((message) => this.view<T>(message)));
  }

  ack<T>(node: string, id: unknown): Result<SciroccoMessage<T>, SciroccoError> {
    return this.withId('ack', id).andThen((valid) => {
      const site = {
        operation: 'ack',
        method: 'PATCH',
        path: `/messageQueue/${valid}/ack`,
        messageId: valid,
      } as const;
      const acked = this.messages.ack(valid, node, this.now());
      this.count('acked', acked ? 1 : 0);
      return this.found<T>(site, acked);
    });
  }

  nack<T>(node: string, id: unknown, delayMs = 0): Result<SciroccoMessage<T>, SciroccoError> {
    return this.withId('nack', id).andThen((valid) => {
      if (!Number.isSafeInteger(delayMs) || delayMs < 0) {
        return Err(
          invalidArgument(
            'nack',
            `delayMs must be a whole number of milliseconds >= 0, got ${String(delayMs)}`,
          ),
        );
      }
      const site = {
        operation: 'nack',
        method: 'PATCH',
        path: `/messageQueue/${valid}/nack`,
        messageId: valid,
      } as const;
      // A plain queue answers as the original server does: an unknown route.
      if (this.plain) return Err(statusError(site, 404, { message: 'Not Found' }));
      const now = this.now();
      const dueAt = delayMs > 0 ? new Date(now.getTime() + delayMs) : undefined;
      const nacked = this.messages.nack(valid, node, now, dueAt);
      this.count('nacked', nacked ? 1 : 0);
      if (nacked) this.due(nacked);
      return this.found<T>(site, nacked);
    });
  }

  /**
   * The memory queue has the nack and batch extensions of the server, and long polling when
   * given a most wait (no processing timeout), unless plain.
   */
  extensions(): Result<ServerExtensions, SciroccoError> {
    if (this.plain) return Ok({ nack: false });
    return Ok({
      nack: true,
      maxBatchPull: this.limits.maxListMessages,
      ...(this.maxPullWaitMs > 0 ? { maxPullWaitMs: this.maxPullWaitMs } : {}),
      maxBatchAck: this.limits.maxListMessages,
      maxBatchPush: this.limits.maxListMessages,
      maxBatchPushKb: this.limits.batchKb,
      summary: true,
    });
  }

  /** Counts `n` messages of a kind of change (none: a change that counts no message), and the change. */
  private count(counter: keyof MemoryEngine['totals'] | undefined, n: number): number {
    if (n <= 0) return n;
    if (counter) this.totals[counter] += n;
    this.version++;
    return n;
  }

  /**
   * The summary extension, as the server answers it; it answers at once (a wait for the next
   * change is the server's: in virtual time, poll on the scheduler instead).
   */
  summary(): Result<QueueSummary, SciroccoError> {
    const site = { operation: 'summary', method: 'GET', path: '/messageQueue/summary' } as const;
    if (this.plain) return Err(statusError(site, 404, { message: 'Not Found' }));
    const at = this.now();
    return Ok({
      nodes: summarizeGroups(this.messages.statusGroups(), at),
      totals: { ...this.totals },
      version: this.version,
      at,
    });
  }

  get<T>(node: string, id: unknown): Result<SciroccoMessage<T>, SciroccoError> {
    return this.withId('get', id).andThen((valid) => {
      return this.found<T>(
        { operation: 'get', method: 'GET', path: `/messages/${valid}`, messageId: valid },
        this.messages.get(valid, node),
      );
    });
  }

  list<T>(node: string, options: Omit<ListOptions, 'signal'>): Result<SciroccoMessage<T>[], SciroccoError> {
    const limit = validateListLimit(options.limit);
    if (limit.isErr()) return Err(invalidArgument('list', limit.error));
    const status = validateListStatus(options.status);
    if (status.isErr()) return Err(invalidArgument('list', status.error));
    const max = Math.min(limit.value ?? this.limits.maxListMessages, this.limits.maxListMessages);
    // A plain queue lists every status, as the original does; the client keeps those of `status`.
    const listed = this.messages.list(node, max, this.plain ? undefined : status.value);
    return Ok(
      listed
        .filter((m) => status.value === undefined || m.status === status.value)
        .map((m) => this.view<T>(m)),
    );
  }

  updatePayload<T>(node: string, id: unknown, payload: unknown): Result<SciroccoMessage<T>, SciroccoError> {
    return this.withId('update', id).andThen((valid) => {
      const encoded = encodePayload(payload);
      if (encoded.isErr()) return Err(invalidArgument('update', encoded.error));
      const site = {
        operation: 'update',
        method: 'PATCH',
        path: `/messages/${valid}`,
        messageId: valid,
      } as const;
      if (this.tooLarge(encoded.value))
        return Err(statusError(site, 413, { message: 'request entity too large' }));
      const updated = this.messages.updatePayload(valid, node, stored(encoded.value), this.now());
      this.count(undefined, updated ? 1 : 0);
      return this.found<T>(site, updated);
    });
  }

  deleteOne(node: string, id: unknown): Result<number, SciroccoError> {
    return this.withId('delete', id).map((valid) =>
      this.count(undefined, this.messages.deleteOne(valid, node)),
    );
  }

  deleteAll(node: string): Result<number, SciroccoError> {
    return Ok(this.count(undefined, this.messages.deleteMine(node)));
  }

  wipe(): Result<number, SciroccoError> {
    return Ok(this.count(undefined, this.messages.wipe()));
  }

  info(): Result<ServerInfo, SciroccoError> {
    return Ok({ ...SERVER_INFO });
  }

  /** Every message, oldest first. */
  snapshot(): SciroccoMessage[] {
    return this.messages.all().map((message) => this.view(message));
  }

  /** An `aborted` error, as a client answers a call whose signal already fired. */
  aborted(site: CallSite): SciroccoError {
    return callError(site, 'aborted', 'aborted before the request was sent');
  }
}
