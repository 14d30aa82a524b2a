import { asyncScheduler, defer, of, throwError, type Observable, type SchedulerLike } from 'rxjs';
import { Err, type Result } from 'ts-results-es';
import type { CallOptions, ClientCore } from '../client/client-core.js';
import type { SciroccoError, SciroccoOperation } from '../client/scirocco-error.js';
import { invalidArgument } from '../client/status-error.js';
import type { SciroccoMessage } from '../protocol/message-metadata.js';
import { validateNodeId } from '../protocol/validation.js';
import type { QueueOps } from '../rx/queue-ops.js';
import { assembleClient, type SciroccoClient } from '../rx/scirocco-client.js';
import { MemoryEngine, type MemoryLimits } from './memory-engine.js';

/** Options of {@link createMemoryQueue}. */
export interface MemoryQueueOptions {
  /**
   * Whose clock the queue keeps: scheduled messages become due in its time. Inside
   * `TestScheduler.run` the default follows virtual time too. @default asyncScheduler
   */
  readonly scheduler?: SchedulerLike;
  /** Body size limits and the list maximum, as the server's. @default the server's defaults */
  readonly limits?: Partial<MemoryLimits>;
}

/**
 * An in-memory scirocco queue for tests.
 *
 * @example
 * ```ts
 * import { createMemoryQueue } from 'scirocco-rx/testing';
 *
 * const queue = createMemoryQueue();
 * await queue.client({ node: 'a1' }).push('b2', { n: 1 });
 * console.log(queue.messages().length); // 1
 * ```
 */
export interface MemoryQueue {
  /** A client for one node: the same interface as `createClient`'s. Throws on a bad node id, as `createClient` does. */
  client(options: { readonly node: string }): SciroccoClient;
  /** Every message of every node, oldest first: for assertions. */
  messages(): SciroccoMessage[];
}

const PROMISE_SITES: Record<
  SciroccoOperation,
  { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; path: string }
> = {
  createClient: { method: 'GET', path: '/' },
  push: { method: 'POST', path: '/messageQueue' },
  pull: { method: 'GET', path: '/messageQueue' },
  ack: { method: 'PATCH', path: '/messageQueue/:id/ack' },
  get: { method: 'GET', path: '/messages/:id' },
  list: { method: 'GET', path: '/messages' },
  update: { method: 'PATCH', path: '/messages/:id' },
  delete: { method: 'DELETE', path: '/messages/:id' },
  deleteAll: { method: 'DELETE', path: '/messages' },
  wipe: { method: 'DELETE', path: '/globalDataSpace' },
  info: { method: 'GET', path: '/' },
};

function observe<T>(run: () => Result<T, SciroccoError>): Observable<T> {
  return defer(() => {
    const result = run();
    return result.isOk() ? of(result.value) : throwError(() => result.error);
  });
}

/**
 * Creates an in-memory scirocco queue whose clients behave like the server — the same statuses,
 * `tries`, ownership and ack rules, the same errors for the same bad input — and run on the
 * scheduler's clock. Its Observable paths never go through a Promise, so a whole flow
 * (`pushFrom` → `pull$` → `ackOnComplete`) is deterministic inside `TestScheduler.run`, with no
 * HTTP.
 *
 * ```
 * producer.pushFrom(cold('a-b|'), { to })  →  queue  →  consumer.pull$()  →  ackOnComplete()
 * ```
 *
 * @example
 * ```ts
 * import { map } from 'rxjs';
 * import { TestScheduler } from 'rxjs/testing';
 * import { ackOnComplete } from 'scirocco-rx';
 * import { createMemoryQueue } from 'scirocco-rx/testing';
 *
 * const testScheduler = new TestScheduler((actual, expected) => console.assert(JSON.stringify(actual) === JSON.stringify(expected)));
 * testScheduler.run(({ cold, expectObservable }) => {
 *   const queue = createMemoryQueue();
 *   const producer = queue.client({ node: 'aa' });
 *   const consumer = queue.client({ node: 'bb' });
 *   producer.pushFrom(cold('a-b|', { a: { n: 1 }, b: { n: 2 } }), { to: 'bb' }).subscribe();
 *   const handled = consumer
 *     .pull$<{ n: number }>({ interval: 10, maxMessages: 2 })
 *     .pipe(ackOnComplete((message) => message.payload.n));
 *   expectObservable(handled.pipe(map((outcome) => outcome.status))).toBe('a 9ms (b|)', { a: 'acked', b: 'acked' });
 * });
 * ```
 */
export function createMemoryQueue(options: MemoryQueueOptions = {}): MemoryQueue {
  const scheduler = options.scheduler ?? asyncScheduler;
  const engine = new MemoryEngine(() => scheduler.now(), {
    jsonKb: 100,
    textKb: 100,
    rawKb: 1000,
    maxListMessages: 100,
    ...options.limits,
  });

  function client({ node }: { readonly node: string }): SciroccoClient {
    const checked = validateNodeId(node, 'node');
    if (checked.isErr()) {
      throw invalidArgument('createClient', checked.error);
    }
    const call = <T>(
      operation: SciroccoOperation,
      options: CallOptions | undefined,
      run: () => Result<T, SciroccoError>,
    ) =>
      Promise.resolve(
        options?.signal?.aborted ? Err(engine.aborted({ operation, ...PROMISE_SITES[operation] })) : run(),
      );
    const core: ClientCore = {
      url: 'memory:',
      node,
      push: (destination, payload, opts = {}) =>
        call('push', opts, () => engine.push(node, destination, payload, opts)),
      pull: (opts) => call('pull', opts, () => engine.pull(node)),
      ack: (id, opts) => call('ack', opts, () => engine.ack(node, id)),
      get: (id, opts) => call('get', opts, () => engine.get(node, id)),
      list: (opts = {}) => call('list', opts, () => engine.list(node, opts)),
      update: (id, payload, opts) => call('update', opts, () => engine.updatePayload(node, id, payload)),
      delete: (id, opts) => call('delete', opts, () => engine.deleteOne(node, id)),
      deleteAll: (opts) => call('deleteAll', opts, () => engine.deleteAll(node)),
      wipe: (opts) => call('wipe', opts, () => engine.wipe()),
      info: (opts) => call('info', opts, () => engine.info()),
      close: () => undefined,
      toString: () => `SciroccoClient(memory:, node ${node})`,
      toJSON: () => ({ url: 'memory:', node }),
    };
    const ops: QueueOps = {
      node,
      push$: (destination, payload, opts = {}) =>
        observe(() => engine.push(node, destination, payload, opts)),
      pullNext$: () => observe(() => engine.pull(node)),
      ack$: (id) => observe(() => engine.ack(node, id)),
      get$: (id) => observe(() => engine.get(node, id)),
      list$: (opts = {}) => observe(() => engine.list(node, opts)),
      update$: (id, payload) => observe(() => engine.updatePayload(node, id, payload)),
      delete$: (id) => observe(() => engine.deleteOne(node, id)),
      deleteAll$: () => observe(() => engine.deleteAll(node)),
      wipe$: () => observe(() => engine.wipe()),
      info$: () => observe(() => engine.info()),
    };
    return assembleClient(core, ops);
  }

  return { client, messages: () => engine.snapshot() };
}
