import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createDueWaiters, type DueWaiters } from './due-waiters.js';
import { payloadKindOfContentType } from '../protocol/payload-kind.js';
import { SERVER_INFO } from '../protocol/server-info.js';
import { MESSAGE_ID_PATTERN } from '../protocol/validation.js';
import { corsPolicy, type CorsOrigins } from './cors.js';
import { listLimit } from './list-limit.js';
import { matchRoute, operationOf, ROUTE_METHODS, type Route, type RouteName } from './match-route.js';
import type { ConsoleAssets } from './console-assets.js';
import { createQueueChanges, type QueueChanges } from './queue-changes.js';
import { createServerMetrics, metricsExposition, type ServerMetrics } from './server-metrics.js';
import { summarizeGroups } from '../protocol/queue-summary.js';
import { isMessageStatus, MESSAGE_STATUSES, type MessageStatus } from '../protocol/message-status.js';
import type { MessageStore, StoredMessage, StoredPayload } from './message-store.js';
import { claimOrWait } from './claim-or-wait.js';
import { createObjectIdGenerator } from '../protocol/object-id.js';
import { EXTENSIONS_HEADER, formatExtensions, WAIT_ID_HEADER } from '../protocol/server-extensions.js';
import { readPushFields, readTraceParent, type PushFields } from './push-fields.js';
import { readBatchPush } from './read-batch-push.js';
import { hasBody, isBodyFailure, readBody, type RequestBody } from './read-body.js';
import { batchItemId, readBatchIds } from './read-batch-ids.js';
import {
  batchPushReply,
  batchReply,
  emptyReply,
  isReply,
  errorReply,
  jsonReply,
  listReply,
  messageReply,
  NODE_SOURCE_HEADER,
  NOT_FOUND,
  QUEUE_FULL,
  RESOURCE_NOT_FOUND,
  type Reply,
} from './reply.js';
import type { ServerLimits } from './server-limits.js';
import { waitingBound } from './waiting-bound.js';

/** What a request handler needs. */
export interface HandlerOptions {
  readonly store: MessageStore;
  readonly token: string;
  readonly limits: ServerLimits;
  /** The current time in milliseconds. */
  readonly clock: () => number;
  /** Receives one line per request, and one per failure. */
  readonly log?: ((line: string) => void) | undefined;
  /** Browser origins allowed to call across origins; no CORS headers when absent. */
  readonly cors?: CorsOrigins | undefined;
  /** The processing timeout the server applies, advertised in `Scirocco-Extensions`. */
  readonly processingTimeoutMs?: number | undefined;
  /** Only the original protocol: no extension advertised, nack an unknown route. */
  readonly plain?: boolean | undefined;
  /** The most messages that may wait for one node; a push past it is answered 507. */
  readonly maxWaitingPerNode?: number | undefined;
  /**
   * Long polling: the most milliseconds a pull may wait for a message (`?wait=MS`); 0 offers no
   * long polling. @default DEFAULT_MAX_PULL_WAIT_MS
   */
  readonly maxPullWaitMs?: number | undefined;
  /**
   * The pulls that wait, shared with what else makes messages due (a processing-timeout sweep)
   * and closed with the server, which then answers every waiting pull at once. @default its own
   */
  readonly waiters?: DueWaiters | undefined;
  /** What the server counts as it answers (always kept: the summary's totals). @default its own */
  readonly metrics?: ServerMetrics | undefined;
  /** The version of the queue that a summary may wait on, shared with the sweeps. @default its own */
  readonly changes?: QueueChanges | undefined;
  /**
   * Serves `GET /metrics` (Prometheus' text format) on this listener, behind the token (sent as
   * is, or as `Bearer TOKEN`, the form of Prometheus' `authorization` setting). @default false
   */
  readonly metricsRoute?: boolean | undefined;
  /** The web console's files, served under `/console`; no console when absent. */
  readonly console?: ConsoleAssets | undefined;
}

/**
 * How long a pull may wait for a message unless the server is told otherwise: 20 s, the longest
 * wait of SQS, and well below the idle timeouts of the usual proxies (60 s).
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_PULL_WAIT_MS, startServer } from 'scirocco-rx/server';
 *
 * const server = await startServer({ maxPullWaitMs: DEFAULT_MAX_PULL_WAIT_MS / 2 });
 * await server.close();
 * ```
 */
export const DEFAULT_MAX_PULL_WAIT_MS = 20_000;

/**
 * The least time a waiting pull waits before it looks again for a message its store says is due
 * but that its claim did not get (locked by a claim of another server, about to be committed).
 */
const DUE_RECHECK_MS = 10;

/** The id a client gives a wait (its `Scirocco-Wait-Id`), to end it. */
const WAIT_ID = /^[0-9a-f]{16,64}$/i;

const WAIT_ID_HEADER_LOWER = WAIT_ID_HEADER.toLowerCase();

const NO_SUCH_WAIT = 'No such wait.';

/** A pull's wait (0: none) and the id that names it. */
interface PullWait {
  readonly waitMs: number;
  readonly waitId?: string;
}

const INVALID_CONTENT_TYPE =
  'Please, specify a valid Content-Type values. Valid choices are .. text/plain, application/json, application/octet-stream';

interface Call {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly body: RequestBody;
  readonly node: string | undefined;
  /** The message id in lowercase, when the route has one of 24 hex characters. */
  readonly id: string | undefined;
  /** The matched route, its id segment as sent. */
  readonly route?: Route;
  readonly url: RequestTarget;
  readonly now: Date;
}

interface RequestTarget {
  readonly pathname: string;
  /** The query with its `?`, or `''`. */
  readonly search: string;
}

type Action = (call: Call) => Promise<Reply>;

/** The path and query of a request target; `//messages//id` stays a path, never a host. */
function requestTarget(target: string): RequestTarget {
  const absolute = /^https?:\/\//i.test(target) ? target.replace(/^https?:\/\/[^/?#]*/i, '') : target;
  const query = absolute.indexOf('?');
  const pathname = query < 0 ? absolute : absolute.slice(0, query);
  const search = query < 0 ? '' : absolute.slice(query);
  return { pathname, search };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * The token check: the SHA-256 digests of the presented and the expected token compared in
 * constant time, so that neither the token nor its length shows in the timing. The verdicts of
 * the last few distinct presented tokens are remembered: a client sends the same one with every
 * request, and a lookup by the presented string tells nothing about the expected one.
 */
function tokenCheck(token: string): (presented: string | undefined) => boolean {
  const expected = sha256(token);
  const verdicts = new Map<string, boolean>();
  return (presented) => {
    if (presented === undefined) return false;
    let verdict = verdicts.get(presented);
    if (verdict === undefined) {
      verdict = timingSafeEqual(sha256(presented), expected);
      if (verdicts.size >= 64) verdicts.clear();
      verdicts.set(presented, verdict);
    }
    return verdict;
  };
}

function write(
  res: ServerResponse,
  reply: Reply,
  close: boolean,
  extra?: Readonly<Record<string, string>>,
): void {
  if (res.headersSent || res.destroyed) return;
  const length = typeof reply.body === 'string' ? Buffer.byteLength(reply.body) : reply.body.byteLength;
  // A flat [name, value, …] list: Node writes the head from it without a for…in over an object
  // whose shape changes from one answer to the next.
  const head: string[] = [];
  for (const name of Object.keys(reply.headers)) head.push(name, reply.headers[name] as string);
  if (extra) for (const name of Object.keys(extra)) head.push(name, extra[name] as string);
  // Nothing of a queue may be served from a cache: a stored pull would hide the claim of the
  // next one. It also lets a cross-origin browser client keep its preflight cache.
  head.push('Cache-Control', 'no-store', 'Content-Length', String(length));
  if (close) head.push('Connection', 'close');
  res.writeHead(reply.status, head);
  res.end(reply.body);
}

function asStoredPayload(body: RequestBody): StoredPayload {
  return body.kind === 'none' ? { kind: 'json', value: '{}' } : body;
}

/**
 * Whether the server offers the extension that a store method makes (nack: `nack`; batch pulls:
 * `claimDue`): its store has it, and the server is not plain.
 */
const offers = (options: HandlerOptions, method: 'nack' | 'claimDue' | 'nextDue' | 'statusGroups'): boolean =>
  options.plain !== true && options.store[method] !== undefined;

/** The most a pull may wait on this server: 0 where it offers no long polling. */
const pullWaitLimit = (options: HandlerOptions): number =>
  offers(options, 'nextDue') ? (options.maxPullWaitMs ?? DEFAULT_MAX_PULL_WAIT_MS) : 0;

/** A whole number of a query (`max`, `wait`): how to read it. */
interface QueryNumber {
  readonly name: string;
  readonly least: number;
  readonly most: number;
  /** Its value when the query has none. */
  readonly absent: number;
  /** What it counts, in the error's words: `'milliseconds '`, or `''`. */
  readonly unit?: string;
}

/** A whole number of the query, or the 400 answer to a bad one (two of them, say). */
function queryNumber(search: string, { name, least, most, absent, unit = '' }: QueryNumber): number | Reply {
  const values = search === '' ? [] : new URLSearchParams(search).getAll(name);
  const [text] = values;
  if (values.length === 0 || text === '') return absent;
  if (
    values.length > 1 ||
    text === undefined ||
    !/^\d{1,16}$/.test(text) ||
    Number(text) < least ||
    Number(text) > most
  ) {
    return errorReply(400, 'Validation failed', {
      [name]: {
        message: `${name} must be one whole number ${unit}from ${String(least)} to ${String(most)}.`,
        path: name,
        value: values.length > 1 ? values : text,
      },
    });
  }
  return Number(text);
}

/** The `delay` of a nack, in milliseconds (0 when absent), or the 400 answer to a bad one. */
function nackDelay(text: string | null): number | Reply {
  if (text === null || text === '') return 0;
  if (!/^\d{1,12}$/.test(text)) {
    return errorReply(400, 'Validation failed', {
      delay: { message: 'The delay must be a whole number of milliseconds.', path: 'delay', value: text },
    });
  }
  return Number(text);
}

/**
 * The `status` of a list (the list-status extension): one of the four, or none (every status);
 * ignored by a plain server, as the original does. The 400 answer to a bad one.
 */
function listStatus(values: readonly string[], plain: boolean): MessageStatus | undefined | Reply {
  if (plain || values.length === 0 || (values.length === 1 && values[0] === '')) return undefined;
  const [value] = values;
  if (values.length === 1 && isMessageStatus(value)) return value;
  return errorReply(400, 'Validation failed', {
    status: {
      message: `status must be one of ${MESSAGE_STATUSES.join(', ')}.`,
      path: 'status',
      value: values.length > 1 ? values : value,
    },
  });
}

function createActions(
  options: HandlerOptions,
  metrics: ServerMetrics,
  changes: QueueChanges,
): Record<RouteName, Partial<Record<string, Action>>> {
  const { store, limits } = options;
  /** Counts `count` messages of `node` and, when any, tells the waiting summaries the queue changed. */
  const record = (counter: 'pushed' | 'claimed' | 'acked' | 'nacked', node: string, count: number) => {
    if (count <= 0) return;
    metrics.count(counter, node, count);
    changes.changed();
  };
  /** Tells the waiting summaries the queue changed when `count` messages did; answers `count`. */
  const changedBy = (count: number) => {
    if (count > 0) changes.changed();
    return count;
  };
  /** Tells the waiting summaries the queue changed when a message was; answers it. */
  const changedOne = <T>(message: T) => {
    if (message !== undefined) changes.changed();
    return message;
  };
  const nextId = createObjectIdGenerator(options.clock);
  /** A single-message action: 404 for an id that is not 24 hex characters; `anonymous` without a node. */
  const withId =
    (
      action: (call: Call, id: string, node: string) => Promise<Reply>,
      anonymous = RESOURCE_NOT_FOUND,
    ): Action =>
    (call) => {
      if (call.id === undefined) return Promise.resolve(RESOURCE_NOT_FOUND());
      return call.node === undefined ? Promise.resolve(anonymous()) : action(call, call.id, call.node);
    };
  const found =
    (status = 200) =>
    (message: Parameters<typeof messageReply>[1] | undefined) =>
      message ? messageReply(status, message) : RESOURCE_NOT_FOUND();
  const count = (n: number): Reply => jsonReply(200, { ok: 1, n });
  const { maxWaitingPerNode } = options;
  const countWaiting = store.countWaiting?.bind(store);
  const bound =
    maxWaitingPerNode === undefined || !countWaiting
      ? undefined
      : waitingBound({ max: maxWaitingPerNode, count: countWaiting, clock: options.clock });

  const waiters = options.waiters ?? createDueWaiters();
  const maxWait = pullWaitLimit(options);
  // Another server's pushes and nacks, where the store tells of them.
  if (maxWait > 0) {
    store.watchDue?.((destination) => {
      if (destination === undefined) waiters.notifyAll();
      else waiters.notify(destination, Infinity);
    });
  }
  /** Wakes the pulls that wait for what `message` makes due: now, or at its scheduled time. */
  const due = (message: StoredMessage) => {
    if (message.status === 'pending') waiters.notify(message.nodeDestination);
    else if (message.scheduledTime) {
      waiters.notifyAt(message.nodeDestination, message.scheduledTime.getTime() - options.clock());
    }
  };
  /**
   * A pull's wait and the id that names it, where the server offers long polling (elsewhere both
   * are ignored, as the original does), or the 400 answer to a bad one.
   */
  const pullWait = ({ url, req }: Call): PullWait | Reply => {
    if (maxWait === 0) return { waitMs: 0 };
    const waitMs = queryNumber(url.search, {
      name: 'wait',
      least: 0,
      most: maxWait,
      absent: 0,
      unit: 'of milliseconds ',
    });
    if (typeof waitMs !== 'number') return waitMs;
    const waitId = req.headers[WAIT_ID_HEADER_LOWER];
    if (waitId === undefined) return { waitMs };
    if (typeof waitId !== 'string' || !WAIT_ID.test(waitId)) {
      return errorReply(400, 'Validation failed', {
        [WAIT_ID_HEADER]: {
          message: `${WAIT_ID_HEADER} must be one id of 16 to 64 hexadecimal characters.`,
          path: WAIT_ID_HEADER,
          value: waitId,
        },
      });
    }
    return { waitMs, waitId: waitId.toLowerCase() };
  };
  /** The waits a client named (`node waitId`), which `DELETE /messageQueue/wait/ID` ends. */
  const named = new Map<string, AbortController>();
  const claimFor = async (
    call: Call,
    node: string,
    { waitMs, waitId }: PullWait,
    claim: (now: Date) => Promise<readonly StoredMessage[]>,
  ) => {
    const key = waitId === undefined || waitMs === 0 ? undefined : `${node} ${waitId}`;
    // An id already waiting names the first wait only: ids are random, a second is a client's bug.
    const end = key === undefined || named.has(key) ? undefined : new AbortController();
    if (key !== undefined && end) named.set(key, end);
    try {
      const claimed = await claimOrWait({
        store,
        waiters,
        clock: options.clock,
        claim,
        destination: node,
        waitMs,
        res: call.res,
        recheckMs: DUE_RECHECK_MS,
        end: end?.signal,
        log: options.log,
      });
      record('claimed', node, claimed.length);
      return claimed;
    } finally {
      if (key !== undefined && end && named.get(key) === end) named.delete(key);
    }
  };

  /** The fields of a push with its trace context, where the server keeps it (not plain). */
  const traced = (fields: PushFields, req: IncomingMessage): PushFields => {
    const traceParent = options.plain === true ? undefined : readTraceParent(req.headers);
    return traceParent === undefined ? fields : { ...fields, traceParent };
  };
  /** Stores one message that a push or a batch push checked, within the bound of its node. */
  const store1 = async (
    fields: PushFields,
    payload: StoredPayload,
    now: Date,
  ): Promise<Reply | StoredMessage> => {
    const destination = fields.nodeDestination;
    if (bound && !(await bound.admit(destination))) return QUEUE_FULL(destination, bound.max);
    const message: StoredMessage = { id: nextId(), ...fields, tries: 0, createdTime: now, payload };
    try {
      await store.insert(message);
    } finally {
      bound?.done(destination);
    }
    record('pushed', destination, 1);
    due(message);
    return message;
  };
  const push: Action = async ({ req, body, now }) => {
    const contentType = req.headers['content-type'] ?? '';
    const fields = readPushFields(req.headers, contentType, now.getTime());
    if (fields.isErr()) return fields.error;
    // The exact Content-Type check guarantees a parsed body here.
    const stored = await store1(traced(fields.value, req), asStoredPayload(body), now);
    return isReply(stored) ? stored : messageReply(201, stored, true);
  };
  /**
   * Pushes each message of a batch as a push of its own would be (its checks, its node's bound),
   * stored together (the store groups the writes made at once), in the order sent: one answer item
   * per message.
   */
  const batchPush: Action = async ({ body, node, now, req }) => {
    const items = readBatchPush(body, node, limits, now.getTime());
    if (isReply(items)) return items;
    // The batch's trace context is each of its messages'.
    const outcomes = await Promise.all(
      items.map((item) =>
        'refused' in item
          ? Promise.resolve(item.refused)
          : store1(traced(item.fields, req), item.payload, now),
      ),
    );
    return batchPushReply(outcomes);
  };
  /** Gives one message back (due `delayMs` later), and wakes a pull waiting for its node. */
  const nackOne = async (id: string, node: string, now: Date, delayMs: number) => {
    const dueAt = delayMs > 0 ? new Date(now.getTime() + delayMs) : undefined;
    const nacked = await store.nack?.(id, node, now, dueAt);
    if (nacked) {
      record('nacked', node, 1);
      due(nacked);
    }
    return nacked;
  };
  /**
   * A batch ack or nack: reads the ids, settles each valid one of the caller's, answers each. Acks
   * go together (the store groups them); nacks go one after the other, since each takes the next
   * place at the back of the queue and the batch's order is the order they come back in.
   */
  const batchSettle =
    (
      withDelay: boolean,
      settle: (id: string, node: string, now: Date, delayMs: number) => Promise<StoredMessage | undefined>,
      inOrder: boolean,
    ): Action =>
    async ({ body, node, now }) => {
      const asked = readBatchIds(body, limits.maxListMessages, withDelay);
      if (isReply(asked)) return asked;
      // An id sent twice is settled once, at its first place: the later ones answer 404.
      const seen = new Set<string>();
      const settleOne = (sent: unknown) => {
        const id = batchItemId(sent);
        const first = id !== undefined && !seen.has(id);
        if (id !== undefined) seen.add(id);
        return id === undefined || !first || node === undefined
          ? Promise.resolve(undefined)
          : settle(id, node, now, asked.delayMs);
      };
      if (!inOrder) return batchReply(asked.ids, await Promise.all(asked.ids.map(settleOne)));
      const settled: (StoredMessage | undefined)[] = [];
      for (const sent of asked.ids) settled.push(await settleOne(sent));
      return batchReply(asked.ids, settled);
    };
  const ackOne = async (id: string, node: string, now: Date) => {
    const acked = await store.ack(id, node, now);
    if (acked) record('acked', node, 1);
    return acked;
  };
  const show = withId((_call, id, node) => store.get(id, node).then(found()));
  const statusGroups = options.plain === true ? undefined : store.statusGroups?.bind(store);
  /**
   * The summary extension: the queue's counts, at once or, with `?since=VERSION`, once the queue
   * has changed since that version (waiting up to `?wait=MS`, at most the long-poll limit).
   */
  const summary: Action = async ({ url, res }) => {
    if (!statusGroups) return NOT_FOUND();
    const since = queryNumber(url.search, {
      name: 'since',
      least: 0,
      most: Number.MAX_SAFE_INTEGER,
      absent: -1,
    });
    if (typeof since !== 'number') return since;
    const wait = queryNumber(url.search, {
      name: 'wait',
      least: 0,
      most: Math.max(maxWait, 0),
      absent: 0,
      unit: 'of milliseconds ',
    });
    if (typeof wait !== 'number') return wait;
    // A version past this server's is another run's (a restart): answered at once.
    if (since >= 0 && since <= changes.version && wait > 0) {
      const gone = new AbortController();
      const onClose = () => {
        gone.abort();
      };
      res.once('close', onClose);
      try {
        await changes.after(since, wait, gone.signal);
      } finally {
        res.off('close', onClose);
      }
    }
    // A client gone while it waited needs no count.
    if (res.destroyed) return emptyReply(204);
    const version = changes.version;
    const now = new Date(options.clock());
    const nodes = summarizeGroups(await statusGroups(), now);
    return jsonReply(200, { nodes, totals: metrics.totals(), version, at: now.toISOString() });
  };
  // The body is the original's; the header says what this server offers beyond it.
  const plainInfo = jsonReply(200, SERVER_INFO);
  const extensions =
    options.plain === true
      ? ''
      : formatExtensions({
          nack: offers(options, 'nack'),
          ...(options.processingTimeoutMs === undefined
            ? {}
            : { processingTimeoutMs: options.processingTimeoutMs }),
          ...(bound === undefined ? {} : { maxWaitingPerNode: bound.max }),
          ...(offers(options, 'claimDue') ? { maxBatchPull: limits.maxListMessages } : {}),
          ...(maxWait > 0 ? { maxPullWaitMs: maxWait } : {}),
          ...(statusGroups ? { summary: true } : {}),
          traceContext: true,
          maxBatchAck: limits.maxListMessages,
          maxBatchPush: limits.maxListMessages,
          maxBatchPushKb: limits.batchKb,
        });
  const info: Reply =
    extensions === ''
      ? plainInfo
      : { ...plainInfo, headers: { ...plainInfo.headers, [EXTENSIONS_HEADER]: extensions } };
  return {
    info: { GET: () => Promise.resolve(info) },
    queue: {
      POST: push,
      GET: async (call) => {
        const { node } = call;
        const wait = pullWait(call);
        if (isReply(wait)) return wait;
        if (node === undefined) return emptyReply(204);
        const [claimed] = await claimFor(call, node, wait, async (now) => {
          const one = await store.claimNextDue(node, now);
          return one ? [one] : [];
        });
        return claimed ? messageReply(200, claimed) : emptyReply(204);
      },
      HEAD: () => Promise.resolve(emptyReply(204)), // a HEAD never claims a message
    },
    // Claims up to `max` messages (at most a list's limit), answered as a list is: the oldest first;
    // or pushes many messages, each answered on its own.
    batch: {
      POST: batchPush,
      GET: async (call) => {
        const { node, url } = call;
        const most = limits.maxListMessages;
        const max = queryNumber(url.search, { name: 'max', least: 1, most, absent: most });
        if (typeof max !== 'number') return max;
        const wait = pullWait(call);
        if (isReply(wait)) return wait;
        if (node === undefined) return listReply([]);
        return listReply(
          await claimFor(call, node, wait, async (now) => (await store.claimDue?.(node, now, max)) ?? []),
        );
      },
      HEAD: () => Promise.resolve(emptyReply(204)),
    },
    // Ends a wait the node named (its `Scirocco-Wait-Id`): 204 when one waited here, 404 otherwise (the
    // client then aborts its pull; the wait may be on another server, or already over).
    endWait: {
      DELETE: ({ node, route }) => {
        const waitId = route?.id?.toLowerCase();
        const end = node === undefined || waitId === undefined ? undefined : named.get(`${node} ${waitId}`);
        end?.abort();
        return Promise.resolve(end ? emptyReply(204) : errorReply(404, NO_SUCH_WAIT));
      },
    },
    summary: { GET: summary },
    ack: { PATCH: withId(({ now }, id, node) => ackOne(id, node, now).then(found())) },
    // Settles many messages by id, each as its single-message route would (the store groups the
    // writes made together): one answer item per id, in order.
    batchAck: {
      PATCH: batchSettle(false, ackOne, false),
    },
    batchNack: {
      PATCH: batchSettle(true, nackOne, true),
    },
    nack: {
      PATCH: withId(async ({ now, url }, id, node) => {
        const delay = nackDelay(new URLSearchParams(url.search).get('delay'));
        if (typeof delay !== 'number') return delay;
        return found()(await nackOne(id, node, now, delay));
      }),
    },
    messages: {
      GET: async ({ node, url }) => {
        const query = new URLSearchParams(url.search);
        const limit = listLimit(query.getAll('limit'), limits.maxListMessages);
        const status = listStatus(query.getAll('status'), options.plain === true);
        if (typeof status === 'object') return status;
        if (node === undefined) return listReply([]);
        const listed = await store.list(node, limit, status);
        // A store that ignores the status still lists only those of it.
        return listReply(status === undefined ? listed : listed.filter((m) => m.status === status));
      },
      DELETE: async ({ node }) => count(node === undefined ? 0 : changedBy(await store.deleteMine(node))),
    },
    message: {
      GET: show,
      PATCH: withId(({ body, now }, id, node) =>
        store.updatePayload(id, node, asStoredPayload(body), now).then(changedOne).then(found()),
      ),
      DELETE: withId(
        (_call, id, node) => store.deleteOne(id, node).then(changedBy).then(count),
        () => count(0),
      ),
    },
    globalDataSpace: { DELETE: async () => count(changedBy(await store.wipe())) },
  };
}

/**
 * Creates the `node:http` request listener of a scirocco-compatible server: body parsing by
 * Content-Type with size limits, then the token check (in constant time), then the exact
 * Content-Type check of POST requests, then routing. Every failure is answered; none escapes.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createMemoryStore, createRequestHandler, DEFAULT_LIMITS } from 'scirocco-rx/server';
 *
 * const handler = createRequestHandler({
 *   store: createMemoryStore(),
 *   token: 'DEFAULT_TOKEN',
 *   limits: DEFAULT_LIMITS,
 *   clock: Date.now,
 * });
 * const server = createServer(handler).listen(0, '127.0.0.1');
 * server.close();
 * ```
 */
export function createRequestHandler(
  options: HandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const authorized = tokenCheck(options.token);
  const metrics = options.metrics ?? createServerMetrics();
  const changes = options.changes ?? createQueueChanges();
  const actions = createActions(options, metrics, changes);
  const cors = corsPolicy(options.cors);
  const statusGroups = options.store.statusGroups?.bind(options.store);

  /** `GET /metrics`, behind the token as sent or as a bearer token (Prometheus' way). */
  const metricsReply = async (req: IncomingMessage): Promise<Reply> => {
    const presented = req.headers.authorization;
    const bearer = presented?.match(/^Bearer (.*)$/i)?.[1];
    if (!authorized(presented) && !authorized(bearer)) return errorReply(403, 'Incorrect auth token.');
    return metricsExposition(metrics, statusGroups, options.clock);
  };

  const answer = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: RequestTarget,
    route: Route | undefined,
  ): Promise<{ reply: Reply; close: boolean } | undefined> => {
    const method = req.method ?? 'GET';
    // A batch push carries many messages: its body has a limit of its own.
    const batchPush = route?.name === 'batch' && method === 'POST';
    const body = await readBody(req, options.limits, batchPush ? options.limits.batchKb * 1024 : undefined);
    if (isBodyFailure(body)) {
      return body.aborted ? undefined : { reply: errorReply(body.status, body.message), close: body.unread };
    }
    const reply = (r: Reply) => ({ reply: r, close: false });
    if (!authorized(req.headers.authorization)) return reply(errorReply(403, 'Incorrect auth token.'));
    if (method === 'POST' && payloadKindOfContentType(req.headers['content-type']) === undefined) {
      return reply(errorReply(400, INVALID_CONTENT_TYPE));
    }
    // An extension exists only where the store has it: elsewhere, an unknown route.
    if (
      !route ||
      (route.name === 'nack' && !offers(options, 'nack')) ||
      (route.name === 'batch' && (batchPush ? options.plain === true : !offers(options, 'claimDue'))) ||
      (route.name === 'batchAck' && options.plain === true) ||
      (route.name === 'batchNack' && !offers(options, 'nack')) ||
      (route.name === 'endWait' && pullWaitLimit(options) === 0) ||
      (route.name === 'summary' && !offers(options, 'statusGroups'))
    ) {
      return reply(NOT_FOUND());
    }
    if (method === 'OPTIONS') {
      const allow = ROUTE_METHODS[route.name].join(',');
      return reply({
        status: 200,
        headers: { Allow: allow, 'Content-Type': 'text/html; charset=utf-8' },
        body: allow,
      });
    }
    const routeActions = actions[route.name];
    const action = routeActions[method] ?? (method === 'HEAD' ? routeActions.GET : undefined);
    if (!action) return reply(NOT_FOUND());
    const node = req.headers[NODE_SOURCE_HEADER];
    const id =
      route.id !== undefined && MESSAGE_ID_PATTERN.test(route.id) ? route.id.toLowerCase() : undefined;
    return reply(
      await action({
        req,
        res,
        body,
        node: typeof node === 'string' && node !== '' ? node : undefined,
        id,
        route,
        url,
        now: new Date(options.clock()),
      }),
    );
  };

  const logAnswer = (
    req: IncomingMessage,
    url: RequestTarget,
    operation: string,
    status: number,
    started: number,
  ) => {
    const ms = performance.now() - started;
    metrics.request(operation, status, ms / 1000);
    options.log?.(
      `${new Date().toISOString()} ${req.method ?? '-'} ${url.pathname}${url.search} ${status} ${ms.toFixed(1)} ms`,
    );
  };

  /** The console's files and `/metrics`: answered before any body is read, or `undefined`. */
  const ownRoute = (req: IncomingMessage, url: RequestTarget): [string, Promise<Reply>] | undefined => {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return undefined;
    const path = url.pathname;
    if (options.console && (path === '/console' || path.startsWith('/console/'))) {
      return ['console', Promise.resolve(options.console.reply(path) ?? NOT_FOUND())];
    }
    if (options.metricsRoute === true && path === '/metrics') return ['metrics', metricsReply(req)];
    return undefined;
  };

  return (req, res) => {
    const started = performance.now();
    const url = requestTarget(req.url ?? '/');
    const preflight = cors?.preflight(req);
    if (preflight) {
      write(res, emptyReply(204, preflight), hasBody(req)); // a preflight's body is never read
      logAnswer(req, url, 'preflight', 204, started);
      return;
    }
    const corsHeaders = cors?.headersFor(req.headers.origin);
    const own = ownRoute(req, url);
    const route = own ? undefined : matchRoute(url.pathname);
    const operation = own ? own[0] : operationOf(route, req.method ?? 'GET');
    const answered = own
      ? own[1].then((reply) => ({ reply, close: hasBody(req) }))
      : answer(req, res, url, route);
    answered
      .then((outcome) => {
        if (!outcome) return;
        // A body still unread (one that no parser takes) is never drained: the connection closes.
        write(res, outcome.reply, outcome.close || !req.complete, corsHeaders);
        logAnswer(req, url, operation, outcome.reply.status, started);
      })
      .catch((error: unknown) => {
        metrics.storeError();
        metrics.request(operation, 500, (performance.now() - started) / 1000);
        options.log?.(
          `${new Date().toISOString()} ${req.method ?? '-'} ${url.pathname} failed: ${String(error)}`,
        );
        write(res, errorReply(500, 'Internal Server Error'), true, corsHeaders);
      });
  };
}
