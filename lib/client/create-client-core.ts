import { Err, Ok, type Result } from 'ts-results-es';
import { encodePayload } from '../protocol/encode-payload.js';
import { HEADERS } from '../protocol/headers.js';
import { EXTENSIONS_HEADER, parseExtensions, WAIT_ID_HEADER } from '../protocol/server-extensions.js';
import { describeValue, validateMessageId } from '../protocol/validation.js';
import { readSummary } from './read-summary.js';
import { nackDelayOf, settleMany, type Settled } from './settle-many.js';
import {
  validateBatchMax,
  validateListLimit,
  validateListStatus,
  validatePush,
  validateWaitMs,
  type ValidPush,
} from './validate-input.js';
import type { ServerExtensions } from '../protocol/server-extensions.js';
import type {
  CallOptions,
  ClientCore,
  ExtensionsOptions,
  ListOptions,
  NackOptions,
  PullCallOptions,
  PullManyOptions,
  PushManyMessage,
  PushOptions,
  SciroccoResult,
  SummaryOptions,
} from './client-core.js';
import { batchPushChunks, batchPushItemJson, validatePushMany } from './push-many.js';
import type { MessageMetadata, SciroccoMessage } from '../protocol/message-metadata.js';
import { resolveClientOptions, type ClientOptions } from './client-options.js';
import { recoverStuck } from './recover-stuck.js';
import type { Payload } from './payload.js';
import {
  readCount,
  readErrorBody,
  readInfo,
  readBatchItems,
  readList,
  readMessage,
  readOptionalMessage,
} from './read-answer.js';
import type { SciroccoError, SciroccoErrorKind, SciroccoOperation } from './scirocco-error.js';
import { callError, invalidArgument, statusError } from './status-error.js';
import {
  TransportFailure,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from './transport.js';

interface Call<T> {
  readonly operation: SciroccoOperation;
  readonly method: TransportRequest['method'];
  readonly path: string;
  /** Every header of the request (the base ones included), when it has more than the base ones. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  readonly signal?: AbortSignal | undefined;
  readonly messageId?: string;
  /** The node the messages go to (a push), for telemetry. @default this client's node */
  readonly destination?: string;
  /** How many messages the request carries (a batch), for telemetry. */
  readonly count?: number;
  /** The messages an answer holds (a pull's), for telemetry. */
  readonly received?: (value: T) => readonly SciroccoMessage[];
  /** Not told to telemetry (the end of a wait). */
  readonly untraced?: boolean;
  /** Milliseconds to wait for the answer. @default the client's timeout */
  readonly timeoutMs?: number;
  /** The statuses the operation answers with when it succeeds. */
  readonly expect: readonly number[];
  readonly read: (response: TransportResponse) => Result<T, string>;
}

/** The outcome of one message of a `pushMany`. */
type Pushed = Result<SciroccoMessage, SciroccoError>;

/** What a server that offers no extension (the original) offers. */
const PLAIN: ServerExtensions = Object.freeze({ nack: false });

/** How long the request that ends a wait may take before the pull is aborted instead. */
const END_WAIT_TIMEOUT_MS = 2_000;

/** A random id of 32 hexadecimal characters that names a wait. */
function randomWaitId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let id = '';
  for (const byte of bytes) id += byte.toString(16).padStart(2, '0');
  return id;
}

/** The destination of a batch, for telemetry, when all of its messages go to one node. */
const oneDestination = (destinations: readonly (string | undefined)[]): { destination?: string } => {
  const [first] = destinations;
  return first !== undefined && destinations.every((destination) => destination === first)
    ? { destination: first }
    : {};
};

const rejected = (operation: SciroccoOperation, reason: string) => Err(invalidArgument(operation, reason));

/**
 * Builds the promise API of a client on a transport. `createClient` adds the reactive methods;
 * this core knows nothing of RxJS.
 *
 * @throws SciroccoError of kind `invalid-argument` when an option is invalid.
 */
export function createClientCore(options: ClientOptions, defaultTransport: () => Transport): ClientCore {
  const config = resolveClientOptions(options, defaultTransport);
  const baseHeaders: Readonly<Record<string, string>> = Object.freeze({
    Authorization: config.token,
    [HEADERS.nodeSource]: config.node,
  });

  /** The operations telemetry hears of: those that send, receive or settle messages. */
  const TRACED: ReadonlySet<SciroccoOperation> = new Set([
    'push',
    'pushMany',
    'pull',
    'pullMany',
    'ack',
    'ackMany',
    'nack',
    'nackMany',
  ]);
  const { telemetry } = config;

  /**
   * Sends a call; with telemetry, tells it of the request (before it is sent, in the caller's
   * context) and of how it ended.
   */
  async function send<T>(call: Call<T>): Promise<Result<T, SciroccoError>> {
    if (!telemetry || call.untraced === true || !TRACED.has(call.operation)) return sendOnce(call);
    const traced = telemetry.request({
      operation: call.operation,
      node: config.node,
      url: config.url,
      // A push names its destination; a batch to several nodes names none.
      ...(call.destination !== undefined
        ? { destination: call.destination }
        : call.operation === 'pushMany'
          ? {}
          : { destination: config.node }),
      ...(call.messageId === undefined ? {} : { messageId: call.messageId }),
      ...(call.count === undefined ? {} : { count: call.count }),
    });
    if (!traced) return sendOnce(call);
    const headers = traced.headers ? { ...(call.headers ?? baseHeaders), ...traced.headers } : call.headers;
    const result = await sendOnce(headers ? { ...call, headers } : call);
    traced.end(result.isOk() ? { received: call.received?.(result.value) ?? [] } : { error: result.error });
    return result;
  }

  async function sendOnce<T>(call: Call<T>): Promise<Result<T, SciroccoError>> {
    const fail = (kind: SciroccoErrorKind, detail: string, extra: Parameters<typeof callError>[3] = {}) =>
      Err(callError(call, kind, detail, extra));
    if (call.signal?.aborted) return fail('aborted', 'aborted before the request was sent');
    let response: TransportResponse;
    try {
      response = await config.transport.request({
        method: call.method,
        url: config.url + call.path,
        headers: call.headers ?? baseHeaders,
        body: call.body,
        timeoutMs: call.timeoutMs ?? config.timeout,
        signal: call.signal,
      });
    } catch (error) {
      // Only the words of a failure travel on: a transport's own error may hold the headers.
      const failure =
        error instanceof TransportFailure ? error : new TransportFailure('network', (error as Error).message);
      const code = failure.code === undefined ? '' : ` (${failure.code})`;
      return fail(failure.kind, `${failure.message}${code}`, { cause: failure });
    }
    const { status } = response;
    if (call.expect.includes(status)) {
      const value = call.read(response);
      return value.isOk() ? value : fail('protocol', value.error, { status });
    }
    return Err(statusError(call, status, readErrorBody(response)));
  }

  const messagePath = (id: unknown, path: (id: string) => string) =>
    validateMessageId(id).map((valid) => ({ id: valid, path: path(valid) }));

  const encode = (payload: unknown) =>
    encodePayload(payload).map(({ contentType, body }) => ({
      headers: { ...baseHeaders, 'Content-Type': contentType },
      body,
    }));

  // What the server offers, asked once: an answer is kept, a failure is not.
  let known: ServerExtensions | undefined;
  let asking: SciroccoResult<ServerExtensions> | undefined;
  const askExtensions = (signal: AbortSignal | undefined): SciroccoResult<ServerExtensions> =>
    send({
      operation: 'extensions',
      method: 'GET',
      path: '/',
      signal,
      expect: [200],
      read: (response) => Ok(parseExtensions(response.header(EXTENSIONS_HEADER))),
    }).then((result) => {
      if (result.isOk()) known = result.value;
      return result;
    });
  const extensions = (options: ExtensionsOptions = {}): SciroccoResult<ServerExtensions> => {
    if (config.plain) return Promise.resolve(Ok(PLAIN));
    if (known && options.refresh !== true) return Promise.resolve(Ok(known));
    // A call with a signal of its own asks alone: its abort must not fail the others.
    if (options.signal) return askExtensions(options.signal);
    if (asking && options.refresh !== true) return asking;
    const asked = askExtensions(undefined).finally(() => {
      if (asking === asked) asking = undefined;
    });
    asking = asked;
    return asked;
  };

  /** The `?wait=` of a pull where the server long-polls (the timeout grows by it), or nothing. */
  const longPoll = async (
    operation: 'pull' | 'pullMany',
    waitMs: unknown,
    signal: AbortSignal | undefined,
    /** Whether the answer decides between a batch and a single pull. */
    batch = false,
  ): Promise<Result<{ wait: number; extensions: ServerExtensions }, SciroccoError>> => {
    const checked = validateWaitMs(waitMs);
    if (checked.isErr()) return rejected(operation, checked.error);
    if (checked.value === 0 && !batch) return Ok({ wait: 0, extensions: PLAIN });
    const offered = await extensions(signal ? { signal } : {});
    // A failed question is no answer: the pull goes plain, and the next one asks again.
    const found = offered.isOk() ? offered.value : PLAIN;
    const most = found.maxPullWaitMs ?? 0;
    return Ok({ wait: Math.min(checked.value, most), extensions: found });
  };
  /**
   * A pull that may wait. One that waits names its wait (`Scirocco-Wait-Id`), and an abort of its signal
   * asks the server to end it (`DELETE /messageQueue/wait/ID`) rather than dropping the request:
   * the answer is then read as any other, so that a message the server claimed in that instant
   * is returned, never lost on a closed socket. Where the server does not confirm the end (the
   * wait is on another server, say), the request is aborted: the server hands back what it
   * claims for a client that is gone.
   */
  const pulling = async <T>(call: Call<T>, wait: number): Promise<Result<T, SciroccoError>> => {
    if (wait === 0 || !call.signal || call.signal.aborted) return send(call);
    const signal = call.signal;
    const waitId = randomWaitId();
    const own = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      void send({
        operation: call.operation,
        method: 'DELETE',
        path: `/messageQueue/wait/${waitId}`,
        untraced: true,
        timeoutMs: Math.min(config.timeout, END_WAIT_TIMEOUT_MS),
        expect: [204],
        read: () => Ok(undefined),
      }).then((ended) => {
        // Ended: the answer comes at once; it is given the client's timeout, no more.
        if (ended.isOk()) {
          timer = setTimeout(() => {
            own.abort();
          }, config.timeout);
        } else own.abort();
      });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const headers = { ...(call.headers ?? baseHeaders), [WAIT_ID_HEADER]: waitId };
    try {
      return await send({ ...call, headers, signal: own.signal });
    } finally {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(timer);
    }
  };
  const pullOnce = <T>(wait: number, signal: AbortSignal | undefined) =>
    pulling(
      {
        operation: 'pull',
        method: 'GET',
        path: wait > 0 ? `/messageQueue?wait=${String(wait)}` : '/messageQueue',
        signal,
        timeoutMs: config.timeout + wait,
        expect: [200, 204],
        read: readOptionalMessage<T>,
        received: (found) => (found.isSome() ? [found.value] : []),
      },
      wait,
    );

  const core: ClientCore = {
    url: config.url,
    node: config.node,
    ...(telemetry ? { telemetry } : {}),

    push(destination, payload: Payload, options: PushOptions = {}) {
      const input = validatePush(destination, payload, options, Date.now());
      if (input.isErr()) return Promise.resolve(rejected('push', input.error));
      const { encoded, payloadType, scheduledAt } = input.value;
      const headers: Record<string, string> = {
        ...baseHeaders,
        [HEADERS.nodeDestination]: input.value.destination,
        'Content-Type': encoded.contentType,
      };
      if (payloadType !== undefined) headers[HEADERS.payloadType] = payloadType;
      if (scheduledAt !== undefined) {
        headers[HEADERS.status] = 'scheduled';
        headers[HEADERS.scheduledTime] = scheduledAt.toISOString();
      }
      return send({
        operation: 'push',
        method: 'POST',
        path: '/messageQueue',
        headers,
        body: encoded.body,
        signal: options.signal,
        destination: input.value.destination,
        expect: [201],
        read: readMessage,
      });
    },

    async pushMany(messages: readonly PushManyMessage[], options: CallOptions = {}) {
      const checked = validatePushMany(messages, Date.now());
      if (checked.isErr()) return checked;
      return Ok(await pushEach(messages, checked.value, options));
    },

    async pull<T>(options: PullCallOptions = {}) {
      const poll = await longPoll('pull', options.waitMs, options.signal);
      if (poll.isErr()) return poll;
      return pullOnce<T>(poll.value.wait, options.signal);
    },

    async pullMany<T>(options: PullManyOptions) {
      const checked = validateBatchMax((options as PullManyOptions | undefined)?.max);
      if (checked.isErr()) return rejected('pullMany', checked.error);
      const max = checked.value;
      const poll = await longPoll('pullMany', options.waitMs, options.signal, max > 1);
      if (poll.isErr()) return poll;
      const { wait, extensions: offered } = poll.value;
      const most = offered.maxBatchPull;
      const single = async () =>
        (await pullOnce<T>(wait, options.signal)).map((one) => (one.isSome() ? [one.value] : []));
      if (most === undefined || max === 1) return single();
      const query = new URLSearchParams({ max: String(Math.min(max, most)) });
      if (wait > 0) query.set('wait', String(wait));
      const batch = await pulling(
        {
          operation: 'pullMany',
          method: 'GET',
          path: `/messageQueue/batch?${query.toString()}`,
          signal: options.signal,
          timeoutMs: config.timeout + wait,
          expect: [200, 204],
          read: readList<T>,
          received: (messages) => messages,
        },
        wait,
      );
      // A server that no longer offers it (restarted plain, say): forget, and pull one.
      if (batch.isErr() && batch.error.status === 404) {
        known = undefined;
        return single();
      }
      return batch;
    },

    ack(id, options: CallOptions = {}) {
      const target = messagePath(id, (valid) => `/messageQueue/${valid}/ack`);
      if (target.isErr()) return Promise.resolve(rejected('ack', target.error));
      const { path } = target.value;
      return send({
        operation: 'ack',
        method: 'PATCH',
        path,
        messageId: target.value.id,
        signal: options.signal,
        expect: [200],
        read: readMessage,
      });
    },

    get(id, options: CallOptions = {}) {
      const target = messagePath(id, (valid) => `/messages/${valid}`);
      if (target.isErr()) return Promise.resolve(rejected('get', target.error));
      const { path } = target.value;
      return send({
        operation: 'get',
        method: 'GET',
        path,
        messageId: target.value.id,
        signal: options.signal,
        expect: [200],
        read: readMessage,
      });
    },

    list<T>(options: ListOptions = {}) {
      const checked = validateListLimit(options.limit);
      if (checked.isErr()) return Promise.resolve(rejected('list', checked.error));
      const status = validateListStatus(options.status);
      if (status.isErr()) return Promise.resolve(rejected('list', status.error));
      const query = new URLSearchParams();
      if (checked.value !== undefined) query.set('limit', String(checked.value));
      if (status.value !== undefined) query.set('status', status.value);
      const search = query.toString();
      // The original server ignores the status: the answer keeps only the messages of it.
      const only = status.value;
      return send({
        operation: 'list',
        method: 'GET',
        path: search === '' ? '/messages' : `/messages?${search}`,
        signal: options.signal,
        expect: [200, 204],
        read: (response) =>
          readList<T>(response).map((messages) =>
            only === undefined ? messages : messages.filter((m) => m.metadata.status === only),
          ),
      });
    },

    async summary(options: SummaryOptions = {}) {
      const since = options.since;
      if (since !== undefined && !(Number.isSafeInteger(since) && since >= 0)) {
        return rejected('summary', `since must be a whole number >= 0, got ${describeValue(since)}`);
      }
      const waitMs = validateWaitMs(options.waitMs);
      if (waitMs.isErr()) return rejected('summary', waitMs.error);
      let wait = 0;
      if (since !== undefined && waitMs.value > 0) {
        const offered = await extensions(options.signal ? { signal: options.signal } : {});
        wait = Math.min(waitMs.value, offered.isOk() ? (offered.value.maxPullWaitMs ?? 0) : 0);
      }
      const query = new URLSearchParams();
      if (since !== undefined) query.set('since', String(since));
      if (wait > 0) query.set('wait', String(wait));
      const search = query.toString();
      return send({
        operation: 'summary',
        method: 'GET',
        path: search === '' ? '/messageQueue/summary' : `/messageQueue/summary?${search}`,
        signal: options.signal,
        timeoutMs: config.timeout + wait,
        expect: [200],
        read: readSummary,
      });
    },

    update(id, payload: Payload, options: CallOptions = {}) {
      const target = messagePath(id, (valid) => `/messages/${valid}`);
      if (target.isErr()) return Promise.resolve(rejected('update', target.error));
      const encoded = encode(payload);
      if (encoded.isErr()) return Promise.resolve(rejected('update', encoded.error));
      const { path } = target.value;
      return send({
        operation: 'update',
        method: 'PATCH',
        path,
        ...encoded.value,
        messageId: target.value.id,
        signal: options.signal,
        expect: [200],
        read: readMessage,
      });
    },

    delete(id, options: CallOptions = {}) {
      const target = messagePath(id, (valid) => `/messages/${valid}`);
      if (target.isErr()) return Promise.resolve(rejected('delete', target.error));
      const { path } = target.value;
      return send({
        operation: 'delete',
        method: 'DELETE',
        path,
        messageId: target.value.id,
        signal: options.signal,
        expect: [200],
        read: readCount,
      });
    },

    deleteAll(options: CallOptions = {}) {
      return send({
        operation: 'deleteAll',
        method: 'DELETE',
        path: '/messages',
        signal: options.signal,
        expect: [200],
        read: readCount,
      });
    },

    wipe(options: CallOptions = {}) {
      return send({
        operation: 'wipe',
        method: 'DELETE',
        path: '/globalDataSpace',
        signal: options.signal,
        expect: [200],
        read: readCount,
      });
    },

    nack(id, options: NackOptions = {}) {
      const target = messagePath(id, (valid) => `/messageQueue/${valid}/nack`);
      if (target.isErr()) return Promise.resolve(rejected('nack', target.error));
      const delay = nackDelayOf(options);
      if (delay.isErr()) return Promise.resolve(rejected('nack', delay.error));
      const delayMs = delay.value;
      const { path } = target.value;
      return send({
        operation: 'nack',
        method: 'PATCH',
        path: delayMs > 0 ? `${path}?delay=${String(delayMs)}` : path,
        messageId: target.value.id,
        signal: options.signal,
        expect: [200],
        read: readMessage,
      });
    },

    ackMany(ids, options: CallOptions = {}) {
      return settleMany('ackMany', ids, options, (unique) => settleEach('ackMany', unique, 0, options));
    },

    nackMany(ids, options: NackOptions = {}) {
      return settleMany('nackMany', ids, options, (unique, delayMs) =>
        settleEach('nackMany', unique, delayMs, options),
      );
    },

    extensions,

    recoverStuck(options) {
      return recoverStuck(core, Date.now, options);
    },

    info(options: CallOptions = {}) {
      return send({
        operation: 'info',
        method: 'GET',
        path: '/',
        signal: options.signal,
        expect: [200],
        read: readInfo,
      });
    },

    close() {
      config.transport.close?.();
    },

    toString: () => `SciroccoClient(${config.url}, node ${config.node})`,
    toJSON: () => ({ url: config.url, node: config.node }),
  } as ClientCore;

  /**
   * Pushes checked messages: in batches of the server's most (count and bytes) where it has batch
   * pushes, one after the other so that the queue keeps their order; else one push each, in order.
   */
  async function pushEach(
    messages: readonly PushManyMessage[],
    valid: readonly ValidPush[],
    options: CallOptions,
  ): Promise<Pushed[]> {
    const call = options.signal ? { signal: options.signal } : {};
    /** The message as pushed: the metadata the server answered, the payload as given (bytes as Uint8Array). */
    const pushed = (n: number, metadata: MessageMetadata): Pushed => {
      const { encoded } = valid[n] as ValidPush;
      const payload = encoded.kind === 'bytes' ? encoded.body : (messages[n] as PushManyMessage).payload;
      return Ok({ metadata, payload });
    };
    const one = async (n: number): Promise<Pushed> => {
      const { destination, payload, payloadType, scheduledAt } = messages[n] as PushManyMessage;
      return core.push(destination, payload, { payloadType, scheduledAt, ...call });
    };
    const offered = (await extensions(call)).unwrapOr(PLAIN);
    const outcomes: Pushed[] = [];
    const most = offered.maxBatchPush;
    if (most === undefined) {
      for (let n = 0; n < valid.length; n++) outcomes.push(await one(n));
      return outcomes;
    }
    const path = '/messageQueue/batch';
    const chunks = batchPushChunks(
      valid.map(batchPushItemJson),
      most,
      (offered.maxBatchPushKb ?? 1024) * 1024,
    );
    let batches = true;
    for (const chunk of chunks) {
      const indexes = chunk.items.map((_item, i) => chunk.start + i);
      if (chunk.alone || !batches) {
        for (const n of indexes) outcomes.push(await one(n));
        continue;
      }
      const answer = await send({
        operation: 'pushMany',
        method: 'POST',
        path,
        headers: { ...baseHeaders, 'Content-Type': 'application/json' },
        body: `{"messages":[${chunk.items.join(',')}]}`,
        signal: options.signal,
        count: chunk.items.length,
        ...oneDestination(indexes.map((n) => messages[n]?.destination)),
        expect: [200],
        read: readBatchItems(Array<undefined>(chunk.items.length).fill(undefined), 201),
      });
      if (answer.isErr()) {
        // A server that no longer offers it (restarted plain, say): forget, and go one by one.
        if (answer.error.status === 404) {
          known = undefined;
          batches = false;
          for (const n of indexes) outcomes.push(await one(n));
        } else outcomes.push(...indexes.map(() => Err(answer.error)));
        continue;
      }
      answer.value.forEach((item, i) => {
        const n = chunk.start + i;
        outcomes.push(
          'metadata' in item
            ? pushed(n, item.metadata)
            : Err(statusError({ operation: 'pushMany', method: 'POST', path }, item.status, item)),
        );
      });
    }
    return outcomes;
  }

  /** Settles distinct ids: in batches of the server's most where it has batch acks, else one by one. */
  async function settleEach(
    operation: 'ackMany' | 'nackMany',
    ids: readonly string[],
    delayMs: number,
    options: NackOptions,
  ): Promise<Settled[]> {
    const nacking = operation === 'nackMany';
    const one = (id: string): Promise<Settled> =>
      (nacking ? core.nack(id, options) : core.ack(id, options)).then((settled) =>
        settled.map((message) => message.metadata),
      );
    const offered = (await extensions(options.signal ? { signal: options.signal } : {})).unwrapOr(PLAIN);
    const most = offered.maxBatchAck;
    // Nacks go one request after the other: each message takes the next place at the back of
    // the queue, so the order of `ids` is the order they come back in. Acks go at once.
    const each = async <I, O>(items: readonly I[], work: (item: I) => Promise<O>): Promise<O[]> => {
      if (!nacking) return Promise.all(items.map(work));
      const done: O[] = [];
      for (const item of items) done.push(await work(item));
      return done;
    };
    if (most === undefined || (nacking && !offered.nack)) return each(ids, one);
    const chunks: string[][] = [];
    for (let at = 0; at < ids.length; at += most) chunks.push(ids.slice(at, at + most));
    const path = `/messageQueue/batch/${nacking ? 'nack' : 'ack'}`;
    const answered = await each(chunks, async (chunk): Promise<Settled[]> => {
      const answer = await send({
        operation,
        method: 'PATCH',
        path,
        headers: { ...baseHeaders, 'Content-Type': 'application/json' },
        body: JSON.stringify(delayMs > 0 ? { ids: chunk, delay: delayMs } : { ids: chunk }),
        signal: options.signal,
        count: chunk.length,
        expect: [200],
        read: readBatchItems(chunk),
      });
      if (answer.isErr()) {
        // A server that no longer offers it (restarted plain, say): forget, and go one by one.
        if (answer.error.status === 404) {
          known = undefined;
          return each(chunk, one);
        }
        return chunk.map(() => Err(answer.error));
      }
      return answer.value.map((item, n) =>
        'metadata' in item
          ? Ok(item.metadata)
          : Err(statusError({ operation, method: 'PATCH', path, messageId: chunk[n] }, item.status, item)),
      );
    });
    return answered.flat();
  }

  return Object.freeze(core);
}
