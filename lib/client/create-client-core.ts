import { Err, Ok, type Result } from 'ts-results-es';
import { encodePayload } from '../protocol/encode-payload.js';
import { HEADERS } from '../protocol/headers.js';
import { EXTENSIONS_HEADER, parseExtensions } from '../protocol/server-extensions.js';
import { validateMessageId } from '../protocol/validation.js';
import { validateListLimit, validatePush } from './validate-input.js';
import type { CallOptions, ClientCore, ListOptions, NackOptions, PushOptions } from './client-core.js';
import { resolveClientOptions, type ClientOptions } from './client-options.js';
import { recoverStuck } from './recover-stuck.js';
import type { Payload } from './payload.js';
import {
  readCount,
  readErrorBody,
  readInfo,
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
  /** The statuses the operation answers with when it succeeds. */
  readonly expect: readonly number[];
  readonly read: (response: TransportResponse) => Result<T, string>;
}

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

  async function send<T>(call: Call<T>): Promise<Result<T, SciroccoError>> {
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
        timeoutMs: config.timeout,
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

  const core: ClientCore = {
    url: config.url,
    node: config.node,

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
        expect: [201],
        read: readMessage,
      });
    },

    pull(options: CallOptions = {}) {
      return send({
        operation: 'pull',
        method: 'GET',
        path: '/messageQueue',
        signal: options.signal,
        expect: [200, 204],
        read: readOptionalMessage,
      });
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

    list(options: ListOptions = {}) {
      const checked = validateListLimit(options.limit);
      if (checked.isErr()) return Promise.resolve(rejected('list', checked.error));
      const limit = checked.value;
      const path = limit === undefined ? '/messages' : `/messages?limit=${limit}`;
      return send({
        operation: 'list',
        method: 'GET',
        path,
        signal: options.signal,
        expect: [200, 204],
        read: readList,
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
      const { delayMs = 0 } = options;
      if (!Number.isSafeInteger(delayMs) || delayMs < 0) {
        const reason = `delayMs must be a whole number of milliseconds >= 0, got ${String(delayMs)}`;
        return Promise.resolve(rejected('nack', reason));
      }
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

    extensions(options: CallOptions = {}) {
      return send({
        operation: 'extensions',
        method: 'GET',
        path: '/',
        signal: options.signal,
        expect: [200],
        read: (response) => Ok(parseExtensions(response.header(EXTENSIONS_HEADER))),
      });
    },

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

  return Object.freeze(core);
}
