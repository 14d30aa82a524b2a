import { asyncScheduler, defer, map, of, throwError, type Observable, type SchedulerLike } from 'rxjs';
import { Err, None, Ok, Some, type Option, type Result } from 'ts-results-es';
import type {
  CallOptions,
  ClientCore,
  NackOptions,
  PullCallOptions,
  PushOptions,
  PushManyMessage,
} from '../client/client-core.js';
import type { SciroccoError, SciroccoOperation } from '../client/scirocco-error.js';
import { invalidArgument } from '../client/status-error.js';
import { batchItemNotFound, settleMany } from '../client/settle-many.js';
import { validatePushMany } from '../client/push-many.js';
import type { Payload, PayloadOf } from '../client/payload.js';
import type { SciroccoMessage } from '../protocol/message-metadata.js';
import { describeValue, validateNodeId } from '../protocol/validation.js';
import { validateBatchMax, validateWaitMs } from '../client/validate-input.js';
import { claimOrWait$ } from './claim-or-wait.js';
import {
  originalOps,
  type OriginalOps,
  type QueueOps,
  type QueueOpsWithDetachedPull,
} from '../rx/queue-ops.js';
import { assembleClient, type SciroccoClient } from '../rx/scirocco-client.js';
import { resolveLimits } from '../protocol/queue-limits.js';
import { recoverStuck } from '../client/recover-stuck.js';
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
  /**
   * Receives a warning when a push schedules a message from the wall clock while the queue keeps
   * virtual time (a `scheduledAt` of `new Date(Date.now() + 10)` inside `TestScheduler.run`, where
   * the clock starts at 0, that is 1970: the message would be due decades later). Once per queue.
   * @default console.warn
   */
  readonly onWarning?: (message: string) => void;
  /**
   * Behave as the original server: no extension (`extensions()` offers none, `nack` answers 404
   * `Not Found`), so that flows take the fallbacks they take against it: a `requeue` pushes a
   * copy and acks the original. @default false: the extensions of this package's server
   */
  readonly plain?: boolean;
  /**
   * Long polling, as the server's `maxPullWaitMs`: a pull may wait up to this many milliseconds
   * of the scheduler's time for a message, woken by a push or a nack for its node (on the
   * scheduler), or when a scheduled message reaches its time; `pull$` then waits instead of
   * polling every `interval`. Off by default, unlike the server's (20 s): with it, an idle
   * consumer gets a message in the frame of its push instead of at its next poll, which moves
   * the frames of marble tests written for interval polling. Set it to test flows as they run
   * against the server. @default 0: no long polling
   */
  readonly maxPullWaitMs?: number;
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
  /**
   * The queue's clock, the scheduler's: inside `TestScheduler.run` it starts at 0 (1970-01-01)
   * and moves with virtual time. Schedule from it: `new Date(queue.now().getTime() + 10)` is due
   * 10 frames later.
   */
  now(): Date;
}

const YEAR_MS = 365 * 24 * 3_600_000;

/**
 * Warns, once, of a `scheduledAt` taken from the wall clock while the queue's clock is more than
 * a year behind it: the mark of virtual time.
 */
function wallClockWarning(clock: () => number, warn: (message: string) => void) {
  let warned = false;
  return (options: PushOptions | undefined): void => {
    const at = options?.scheduledAt;
    if (warned || !(at instanceof Date)) return;
    const wall = Date.now();
    const now = clock();
    if (now > wall - YEAR_MS || at.getTime() < wall - YEAR_MS) return;
    warned = true;
    const years = Math.round((at.getTime() - now) / YEAR_MS);
    warn(
      `createMemoryQueue: scheduledAt ${at.toISOString()} is about ${years} years ahead of the queue's clock ` +
        `(${new Date(now).toISOString()}): the queue keeps its scheduler's time, which starts at 0 inside ` +
        'TestScheduler.run. Schedule from that clock: new Date(testScheduler.now() + ms), or queue.now().',
    );
  };
}

const PROMISE_SITES: Record<
  SciroccoOperation,
  { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; path: string }
> = {
  createClient: { method: 'GET', path: '/' },
  push: { method: 'POST', path: '/messageQueue' },
  pushMany: { method: 'POST', path: '/messageQueue/batch' },
  pull: { method: 'GET', path: '/messageQueue' },
  pullMany: { method: 'GET', path: '/messageQueue/batch' },
  ack: { method: 'PATCH', path: '/messageQueue/:id/ack' },
  ackMany: { method: 'PATCH', path: '/messageQueue/batch/ack' },
  get: { method: 'GET', path: '/messages/:id' },
  list: { method: 'GET', path: '/messages' },
  update: { method: 'PATCH', path: '/messages/:id' },
  delete: { method: 'DELETE', path: '/messages/:id' },
  deleteAll: { method: 'DELETE', path: '/messages' },
  wipe: { method: 'DELETE', path: '/globalDataSpace' },
  info: { method: 'GET', path: '/' },
  nack: { method: 'PATCH', path: '/messageQueue/:id/nack' },
  nackMany: { method: 'PATCH', path: '/messageQueue/batch/nack' },
  extensions: { method: 'GET', path: '/' },
  recoverStuck: { method: 'GET', path: '/messages' },
  summary: { method: 'GET', path: '/messageQueue/summary' },
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
  const clock = () => scheduler.now();
  const checkSchedule = wallClockWarning(clock, options.onWarning ?? console.warn);
  const maxPullWaitMs = options.maxPullWaitMs ?? 0;
  if (!Number.isSafeInteger(maxPullWaitMs) || maxPullWaitMs < 0) {
    throw invalidArgument(
      'createClient',
      `maxPullWaitMs must be a whole number of milliseconds >= 0, got ${describeValue(maxPullWaitMs)}`,
    );
  }
  const engine = new MemoryEngine(
    clock,
    resolveLimits(options.limits),
    options.plain === true,
    maxPullWaitMs,
  );

  function client({ node }: { readonly node: string }): SciroccoClient {
    const checked = validateNodeId(node, 'node');
    if (checked.isErr()) {
      throw invalidArgument('createClient', checked.error);
    }
    /** `ackMany`, `nackMany` at once: each id as its single call, its failure told as a batch item's. */
    const settledNow = (operation: 'ackMany' | 'nackMany', ids: unknown, opts: NackOptions = {}) =>
      settleMany(operation, ids, opts, (unique, delayMs) =>
        unique.map((id) =>
          (operation === 'ackMany' ? engine.ack(node, id) : engine.nack(node, id, delayMs))
            .map((message) => message.metadata)
            .mapErr((error) => (error.kind === 'not-found' ? batchItemNotFound(operation, id) : error)),
        ),
      );
    /** `pushMany` at once: checked as every client checks it, then each message as its push. */
    const pushedNow = <P extends Payload>(messages: readonly PushManyMessage<P>[]) =>
      validatePushMany(messages, clock()).map(() =>
        messages.map(({ destination, payload, ...opts }) => {
          checkSchedule(opts);
          return engine.push<PayloadOf<P>>(node, destination, payload, opts);
        }),
      );
    const call = <T>(
      operation: SciroccoOperation,
      options: CallOptions | undefined,
      run: () => Result<T, SciroccoError>,
    ) =>
      Promise.resolve(
        options?.signal?.aborted ? Err(engine.aborted({ operation, ...PROMISE_SITES[operation] })) : run(),
      );
    /** A pull of up to `max` that may wait; checked as the HTTP client checks it. */
    const pulling = <T>(
      operation: 'pull' | 'pullMany',
      max: unknown,
      waitMs: unknown,
    ): Result<Observable<SciroccoMessage<T>[]>, SciroccoError> => {
      const most = operation === 'pull' ? Ok(1) : validateBatchMax(max);
      if (most.isErr()) return Err(invalidArgument(operation, most.error));
      const wait = validateWaitMs(waitMs);
      if (wait.isErr()) return Err(invalidArgument(operation, wait.error));
      return Ok(
        claimOrWait$<T>({
          engine,
          node,
          scheduler,
          waitMs: engine.pullWait(wait.value),
          claim: () => engine.pullMany<T>(node, most.value),
        }),
      );
    };
    const pulled$ = <T>(operation: 'pull' | 'pullMany', max: unknown, waitMs: unknown) =>
      defer(() => {
        const made = pulling<T>(operation, max, waitMs);
        return made.isOk() ? made.value : throwError(() => made.error);
      });
    /** The promise of a pull: it waits in the scheduler's time, aborted by its signal. */
    const pulledOnce = <T>(
      operation: 'pull' | 'pullMany',
      opts: CallOptions | undefined,
      max: unknown,
      waitMs: unknown,
    ): Promise<Result<SciroccoMessage<T>[], SciroccoError>> => {
      if (opts?.signal?.aborted) {
        return Promise.resolve(Err(engine.aborted({ operation, ...PROMISE_SITES[operation] })));
      }
      const made = pulling<T>(operation, max, waitMs);
      if (made.isErr()) return Promise.resolve(made);
      return new Promise((resolve) => {
        // As over HTTP, an abort ends a wait and the pull answers with what it claimed (here,
        // where a claim is instant, nothing); a pull that does not wait is aborted.
        const ends = engine.pullWait(Number(waitMs ?? 0)) > 0;
        const onAbort = () => {
          subscription.unsubscribe();
          resolve(ends ? Ok([]) : Err(engine.aborted({ operation, ...PROMISE_SITES[operation] })));
        };
        const subscription = made.value.subscribe({
          next: (messages) => {
            opts?.signal?.removeEventListener('abort', onAbort);
            resolve(Ok(messages));
          },
        });
        if (!subscription.closed) opts?.signal?.addEventListener('abort', onAbort, { once: true });
      });
    };
    const core: ClientCore = {
      url: 'memory:',
      node,
      push: (destination, payload, opts = {}) =>
        call('push', opts, () => {
          checkSchedule(opts);
          return engine.push(node, destination, payload, opts);
        }),
      pushMany: (messages, opts) => call('pushMany', opts, () => pushedNow(messages)),
      pull: async <T>(opts: PullCallOptions = {}) =>
        (await pulledOnce<T>('pull', opts, 1, opts.waitMs)).map(([one]): Option<SciroccoMessage<T>> =>
          one ? Some(one) : None,
        ),
      pullMany: (opts) => pulledOnce('pullMany', opts, (opts as typeof opts | undefined)?.max, opts.waitMs),
      ack: (id, opts) => call('ack', opts, () => engine.ack(node, id)),
      get: (id, opts) => call('get', opts, () => engine.get(node, id)),
      list: (opts = {}) => call('list', opts, () => engine.list(node, opts)),
      update: (id, payload, opts) => call('update', opts, () => engine.updatePayload(node, id, payload)),
      delete: (id, opts) => call('delete', opts, () => engine.deleteOne(node, id)),
      deleteAll: (opts) => call('deleteAll', opts, () => engine.deleteAll(node)),
      wipe: (opts) => call('wipe', opts, () => engine.wipe()),
      info: (opts) => call('info', opts, () => engine.info()),
      nack: (id, opts = {}) => call('nack', opts, () => engine.nack(node, id, opts.delayMs)),
      // As the server settles a batch: each id as its single call, in one step.
      ackMany: (ids, opts) => call('ackMany', opts, () => settledNow('ackMany', ids)),
      nackMany: (ids, opts = {}) => call('nackMany', opts, () => settledNow('nackMany', ids, opts)),
      extensions: (opts) => call('extensions', opts, () => engine.extensions()),
      recoverStuck: (opts) => recoverStuck(core, clock, opts),
      summary: (opts) => call('summary', opts, () => engine.summary()),
      close: () => undefined,
      toString: () => `SciroccoClient(memory:, node ${node})`,
      toJSON: () => ({ url: 'memory:', node }),
    };
    const originals: OriginalOps = {
      push$: (destination, payload, opts = {}) =>
        observe(() => {
          checkSchedule(opts);
          return engine.push(node, destination, payload, opts);
        }),
      pullNext$: <T>(opts: { readonly waitMs?: number } = {}) =>
        pulled$<T>('pull', 1, opts.waitMs).pipe(map(([one]) => (one ? Some(one) : None))),
      pullMany$: <T>(opts: { readonly max: number; readonly waitMs?: number }) =>
        pulled$<T>('pullMany', (opts as typeof opts | undefined)?.max, opts.waitMs),
      ack$: (id) => observe(() => engine.ack(node, id)),
      ackMany$: (ids) => observe(() => settledNow('ackMany', ids)),
      pushMany$: (messages) => observe(() => pushedNow(messages)),
    };
    const ops: Required<QueueOps> & QueueOpsWithDetachedPull = {
      node,
      ...(originals as Required<OriginalOps>),
      [originalOps]: originals,
      get$: (id) => observe(() => engine.get(node, id)),
      list$: (opts = {}) => observe(() => engine.list(node, opts)),
      update$: (id, payload) => observe(() => engine.updatePayload(node, id, payload)),
      delete$: (id) => observe(() => engine.deleteOne(node, id)),
      deleteAll$: () => observe(() => engine.deleteAll(node)),
      wipe$: () => observe(() => engine.wipe()),
      info$: () => observe(() => engine.info()),
      nack$: (id, opts = {}) => observe(() => engine.nack(node, id, opts.delayMs)),
      extensions$: () => observe(() => engine.extensions()),
      nackMany$: (ids, opts = {}) => observe(() => settledNow('nackMany', ids, opts)),
    };
    return assembleClient(core, ops);
  }

  return { client, messages: () => engine.snapshot(), now: () => new Date(clock()) };
}
