import { Err, None, Ok, Some, type Option, type Result } from 'ts-results-es';
import type { ListOptions, PushOptions, ServerInfo } from '../client/client-core.js';
import type { SciroccoError } from '../client/scirocco-error.js';
import { callError, invalidArgument, statusError, type CallSite } from '../client/status-error.js';
import { validateListLimit, validatePush } from '../client/validate-input.js';
import { encodePayload, type EncodedPayload } from '../protocol/encode-payload.js';
import type { MessageMetadata, SciroccoMessage } from '../protocol/message-metadata.js';
import { SERVER_INFO } from '../protocol/server-info.js';
import { validateMessageId } from '../protocol/validation.js';

/** The memory queue's size limits, as the server's (in kB of 1024 bytes). */
export interface MemoryLimits {
  readonly jsonKb: number;
  readonly textKb: number;
  readonly rawKb: number;
  readonly maxListMessages: number;
}

interface Stored {
  metadata: MessageMetadata;
  encoded: EncodedPayload;
}

const UTF8 = new TextEncoder();

function decode(encoded: EncodedPayload): unknown {
  if (encoded.kind === 'json') return JSON.parse(encoded.body as string);
  if (encoded.kind === 'text') return encoded.body;
  return new Uint8Array(encoded.body as Uint8Array);
}

function sizeOf(encoded: EncodedPayload): number {
  return typeof encoded.body === 'string' ? UTF8.encode(encoded.body).byteLength : encoded.body.byteLength;
}

const isWaiting = (m: MessageMetadata) => m.status === 'pending' || m.status === 'scheduled';

/**
 * The queue of `createMemoryQueue`, synchronous: every operation answers at once with a Result,
 * so that Observables built on it never wait for a Promise. Its rules, answers and errors are the
 * server's, over the same input checks as the HTTP client.
 */
export class MemoryEngine {
  private readonly messages = new Map<string, Stored>();
  private counter = 0;

  constructor(
    private readonly clock: () => number,
    private readonly limits: MemoryLimits,
  ) {}

  private now(): Date {
    return new Date(this.clock());
  }

  private nextId(): string {
    const seconds = Math.floor(this.clock() / 1000) >>> 0;
    return seconds.toString(16).padStart(8, '0') + (++this.counter).toString(16).padStart(16, '0');
  }

  private view<T>(stored: Stored): SciroccoMessage<T> {
    return { metadata: { ...stored.metadata }, payload: decode(stored.encoded) as T };
  }

  private limitOf(encoded: EncodedPayload): number {
    const kb =
      encoded.kind === 'json'
        ? this.limits.jsonKb
        : encoded.kind === 'text'
          ? this.limits.textKb
          : this.limits.rawKb;
    return kb * 1024;
  }

  private update(stored: Stored, changes: Partial<MessageMetadata>): Stored {
    stored.metadata = { ...stored.metadata, ...changes };
    return stored;
  }

  private found<T>(site: CallSite, stored: Stored | undefined): Result<SciroccoMessage<T>, SciroccoError> {
    return stored
      ? Ok(this.view<T>(stored))
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
    if (sizeOf(encoded) > this.limitOf(encoded)) {
      const site = { operation: 'push', method: 'POST', path: '/messageQueue' } as const;
      return Err(statusError(site, 413, { message: 'request entity too large' }));
    }
    const metadata: MessageMetadata = {
      id: this.nextId(),
      nodeSource: node,
      nodeDestination: input.value.destination,
      status: scheduledAt ? 'scheduled' : 'pending',
      tries: 0,
      payloadType: payloadType ?? encoded.contentType,
      createdTime: this.now(),
      ...(scheduledAt ? { scheduledTime: scheduledAt } : {}),
    };
    const stored = { metadata, encoded };
    this.messages.set(metadata.id, stored);
    return Ok(this.view<T>(stored));
  }

  pull<T>(node: string): Result<Option<SciroccoMessage<T>>, SciroccoError> {
    const now = this.now();
    for (const stored of this.messages.values()) {
      const m = stored.metadata;
      const due =
        m.status === 'pending' ||
        (m.status === 'scheduled' && (m.scheduledTime?.getTime() ?? 0) <= now.getTime());
      if (m.nodeDestination !== node || !due) continue;
      this.update(stored, { status: 'processing', tries: m.tries + 1, processingTime: now, updateTime: now });
      return Ok(Some(this.view<T>(stored)));
    }
    return Ok(None);
  }

  ack<T>(node: string, id: unknown): Result<SciroccoMessage<T>, SciroccoError> {
    return this.withId('ack', id).andThen((valid) => {
      const site = {
        operation: 'ack',
        method: 'PATCH',
        path: `/messageQueue/${valid}/ack`,
        messageId: valid,
      } as const;
      const stored = this.messages.get(valid);
      const mine =
        stored && stored.metadata.nodeDestination === node && stored.metadata.status === 'processing';
      return this.found<T>(
        site,
        mine ? this.update(stored, { status: 'processed', processedTime: this.now() }) : undefined,
      );
    });
  }

  get<T>(node: string, id: unknown): Result<SciroccoMessage<T>, SciroccoError> {
    return this.withId('get', id).andThen((valid) => {
      const stored = this.messages.get(valid);
      const visible =
        stored && (stored.metadata.nodeSource === node || stored.metadata.nodeDestination === node);
      return this.found<T>(
        { operation: 'get', method: 'GET', path: `/messages/${valid}`, messageId: valid },
        visible ? stored : undefined,
      );
    });
  }

  list<T>(node: string, options: Omit<ListOptions, 'signal'>): Result<SciroccoMessage<T>[], SciroccoError> {
    const limit = validateListLimit(options.limit);
    if (limit.isErr()) return Err(invalidArgument('list', limit.error));
    const max = Math.min(limit.value ?? this.limits.maxListMessages, this.limits.maxListMessages);
    const found: SciroccoMessage<T>[] = [];
    for (const stored of this.messages.values()) {
      if (found.length >= max) break;
      if (stored.metadata.nodeSource === node || stored.metadata.nodeDestination === node)
        found.push(this.view<T>(stored));
    }
    return Ok(found);
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
      if (sizeOf(encoded.value) > this.limitOf(encoded.value))
        return Err(statusError(site, 413, { message: 'request entity too large' }));
      const stored = this.messages.get(valid);
      if (!stored || stored.metadata.nodeSource !== node || !isWaiting(stored.metadata))
        return this.found<T>(site, undefined);
      stored.encoded = encoded.value;
      return this.found<T>(site, this.update(stored, { updateTime: this.now() }));
    });
  }

  deleteOne(node: string, id: unknown): Result<number, SciroccoError> {
    return this.withId('delete', id).map((valid) => {
      const stored = this.messages.get(valid);
      if (!stored || stored.metadata.nodeSource !== node || !isWaiting(stored.metadata)) return 0;
      this.messages.delete(valid);
      return 1;
    });
  }

  deleteAll(node: string): Result<number, SciroccoError> {
    let count = 0;
    for (const [id, stored] of [...this.messages]) {
      if (stored.metadata.nodeSource === node && isWaiting(stored.metadata)) {
        this.messages.delete(id);
        count++;
      }
    }
    return Ok(count);
  }

  wipe(): Result<number, SciroccoError> {
    const count = this.messages.size;
    this.messages.clear();
    return Ok(count);
  }

  info(): Result<ServerInfo, SciroccoError> {
    return Ok({ ...SERVER_INFO });
  }

  /** Every message, oldest first. */
  snapshot(): SciroccoMessage[] {
    return [...this.messages.values()].map((stored) => this.view(stored));
  }

  /** An `aborted` error, as a client answers a call whose signal already fired. */
  aborted(site: CallSite): SciroccoError {
    return callError(site, 'aborted', 'aborted before the request was sent');
  }
}
