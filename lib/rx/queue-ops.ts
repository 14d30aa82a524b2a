import type { ClientTelemetry } from '../client/client-telemetry.js';
import { map, Observable } from 'rxjs';
import { None, Some, type Option, type Result } from 'ts-results-es';
import type {
  CallOptions,
  ClientCore,
  ListOptions,
  NackOptions,
  PullCallOptions,
  PullManyOptions,
  PushManyMessage,
  PushOptions,
  ServerInfo,
} from '../client/client-core.js';
import type { ServerExtensions } from '../protocol/server-extensions.js';
import type { Payload, PayloadOf } from '../client/payload.js';
import type { SciroccoError } from '../client/scirocco-error.js';
import type { MessageMetadata, SciroccoMessage } from '../protocol/message-metadata.js';

/** Options of {@link QueueOps.push$}: those of `push` but the signal (unsubscribing cancels). */
export type PushOptions$ = Omit<PushOptions, 'signal'>;

/**
 * Every protocol operation as a cold Observable: nothing is sent before subscribe, each
 * subscription sends its own request, unsubscribing aborts it. Each emits one value and completes,
 * or errors with a `SciroccoError`. The reactive flows (`pull$`, `ackOnComplete`, `pushFrom`) are
 * built on these, so that the same flows run over HTTP and over the in-memory queue of
 * `scirocco-rx/testing`, where they never touch a Promise.
 *
 * Naming: the Observable twin of a promise method has its name with a `$`; `pullNext$` is the
 * single pull (an `Option`), since `pull$` is the polling stream.
 */
export interface QueueOps {
  /** This client's node id. */
  readonly node: string;
  /** Cold `push`. */
  push$<P extends Payload>(
    destination: string,
    payload: P,
    options?: PushOptions$,
  ): Observable<SciroccoMessage<PayloadOf<P>>>;
  /**
   * Cold single pull: `Some(message)`, or `None` when nothing is due. With `waitMs`, it waits for
   * a message where the server offers long polling (see `PullCallOptions.waitMs`).
   */
  pullNext$<T = unknown>(options?: Omit<PullCallOptions, 'signal'>): Observable<Option<SciroccoMessage<T>>>;
  /**
   * Cold `pullMany`: up to `max` messages in one request where the server offers batch pulls
   * (one elsewhere), waiting with `waitMs` where it offers long polling. Optional: a `QueueOps`
   * of your own without it claims one message per request.
   */
  pullMany$?<T = unknown>(options: Omit<PullManyOptions, 'signal'>): Observable<SciroccoMessage<T>[]>;
  /** Cold `ack`. */
  ack$<T = unknown>(id: string): Observable<SciroccoMessage<T>>;
  /** Cold `get`. */
  get$<T = unknown>(id: string): Observable<SciroccoMessage<T>>;
  /** Cold `list`. */
  list$<T = unknown>(options?: Omit<ListOptions, 'signal'>): Observable<SciroccoMessage<T>[]>;
  /** Cold `update`. */
  update$<P extends Payload>(id: string, payload: P): Observable<SciroccoMessage<PayloadOf<P>>>;
  /** Cold `delete`: the number deleted. */
  delete$(id: string): Observable<number>;
  /** Cold `deleteAll`: the number deleted. */
  deleteAll$(): Observable<number>;
  /** Cold `wipe`: the number deleted. */
  wipe$(): Observable<number>;
  /** Cold `info`. */
  info$(): Observable<ServerInfo>;
  /**
   * Cold `nack` (the nack extension of this package's server). Optional, as `extensions$`: a
   * `QueueOps` of your own without them offers no extension.
   */
  nack$?<T = unknown>(id: string, options?: Omit<NackOptions, 'signal'>): Observable<SciroccoMessage<T>>;
  /** Cold `extensions`: what the server offers beyond the protocol. */
  extensions$?(): Observable<ServerExtensions>;
  /**
   * Cold `ackMany`: one outcome per id, in order (a batch ack where the server has it). Optional:
   * a `QueueOps` of your own without it acks one id at a time.
   */
  ackMany$?(ids: readonly string[]): Observable<Result<MessageMetadata, SciroccoError>[]>;
  /**
   * Cold `pushMany`: one outcome per message, in order (batch pushes where the server has them).
   * Optional: a `QueueOps` of your own without it pushes one message at a time.
   */
  pushMany$?<P extends Payload>(
    messages: readonly PushManyMessage<P>[],
  ): Observable<Result<SciroccoMessage<PayloadOf<P>>, SciroccoError>[]>;
  /** Cold `nackMany`, as `ackMany$`. */
  nackMany$?(
    ids: readonly string[],
    options?: Omit<NackOptions, 'signal'>,
  ): Observable<Result<MessageMetadata, SciroccoError>[]>;
}

/**
 * A cold Observable of a Result-returning call: one AbortController per subscription, aborted in
 * teardown while the call is in flight (as rxjs's `fromFetch` does). An `Ok` is emitted and
 * completes; an `Err` is the error.
 *
 * @example
 * ```ts
 * import { createClient, fromResultCall } from 'scirocco-rx';
 *
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * const listed$ = fromResultCall((call) => client.list({ ...call, limit: 5 })); // the same as client.list$({ limit: 5 })
 * listed$.subscribe((messages) => console.log(messages.length));
 * ```
 */
export function fromResultCall<T>(
  call: (options: CallOptions) => Promise<Result<T, SciroccoError>>,
): Observable<T> {
  return resultObservable(call, true);
}

/** The Observable of a Result-returning call; `abortable` gives each subscription its own signal. */
function resultObservable<T>(
  call: (options: CallOptions) => Promise<Result<T, SciroccoError>>,
  abortable: boolean,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    const controller = abortable ? new AbortController() : undefined;
    let settled = false;
    call(controller ? { signal: controller.signal } : {}).then(
      (result) => {
        settled = true;
        if (result.isOk()) {
          subscriber.next(result.value);
          subscriber.complete();
        } else {
          subscriber.error(result.error);
        }
      },
      (error: unknown) => {
        settled = true;
        subscriber.error(error);
      },
    );
    return () => {
      if (!settled) controller?.abort();
    };
  });
}

/**
 * The operations as their maker made them. A wrapper that spreads the operations keeps it, so
 * what the wrapper replaced shows: a replaced `pullNext$` (with logging, a delay, a fault) must
 * not be bypassed by a batch pull or a detached pull that still stands for the original.
 */
export const originalOps = Symbol('originalOps');

/** The functions {@link originalOps} records. */
export type OriginalOps = Pick<
  QueueOps,
  'pullNext$' | 'pullMany$' | 'ack$' | 'ackMany$' | 'push$' | 'pushMany$'
>;

/**
 * Optional pull and ack that are never cancelled, for the flows: `pull$` never aborts a pull (the
 * server may have claimed a message for it) and a received message's ack is let finish (its
 * handler is done). They spare an AbortController and its listeners per request.
 */
export const detachedPull = Symbol('detachedPull');

/**
 * What tells of the work on a client's messages (its handlers' runs): the client's telemetry,
 * kept by a wrapper that spreads the operations.
 */
export const opsTelemetry = Symbol('opsTelemetry');

/** The telemetry of a client's operations, when it has one. */
export function telemetryOf(ops: QueueOps): ClientTelemetry | undefined {
  return (ops as QueueOpsWithDetachedPull)[opsTelemetry];
}

/** Operations that may record their originals and offer {@link detachedPull}. */
export type QueueOpsWithDetachedPull = QueueOps & {
  readonly [originalOps]?: OriginalOps;
  readonly [opsTelemetry]?: ClientTelemetry;
  readonly [detachedPull]?: {
    readonly pull: <T>() => Observable<Option<SciroccoMessage<T>>>;
    /**
     * `pullMany$` that only `signal` cancels, and only while it waits (long polling):
     * unsubscribing leaves the request be, and a subscriber that stays after the abort hears the
     * outcome (messages that came anyway).
     */
    readonly pullMany: <T>(
      options: Omit<PullManyOptions, 'signal'>,
      signal: AbortSignal,
    ) => Observable<SciroccoMessage<T>[]>;
    readonly ack: <T>(id: string) => Observable<SciroccoMessage<T>>;
    readonly push: QueueOps['push$'];
    readonly pushMany: Required<QueueOps>['pushMany$'];
  };
};

/**
 * Whether a flow may use the `pullMany$` of `ops` for its pulls: not one left over from the maker
 * when a wrapper replaced `pullNext$` alone (the wrapper's pulls stand for all pulls then).
 */
export function usesBatchPull(ops: QueueOps): boolean {
  if (!ops.pullMany$) return false;
  const original = (ops as QueueOpsWithDetachedPull)[originalOps];
  return !original || original.pullNext$ === ops.pullNext$ || original.pullMany$ !== ops.pullMany$;
}

/**
 * Whether a flow may gather its acks into the `ackMany$` of `ops`: not one left over from the
 * maker when a wrapper replaced `ack$` alone (the wrapper's acks stand for all acks then).
 */
export function usesBatchAck(ops: QueueOps): boolean {
  if (!ops.ackMany$) return false;
  const original = (ops as QueueOpsWithDetachedPull)[originalOps];
  return !original || original.ack$ === ops.ack$ || original.ackMany$ !== ops.ackMany$;
}

/**
 * Whether a flow may push in batches with the `pushMany$` of `ops`: not one left over from the
 * maker when a wrapper replaced `push$` alone (the wrapper's pushes stand for all pushes then).
 */
export function usesBatchPush(ops: QueueOps): boolean {
  if (!ops.pushMany$) return false;
  const original = (ops as QueueOpsWithDetachedPull)[originalOps];
  return !original || original.push$ === ops.push$ || original.pushMany$ !== ops.pushMany$;
}

/** The detached pull and ack of `ops`, each only where `ops` still has the original. */
export function detachedOf(ops: QueueOps): {
  pull?: <T>() => Observable<Option<SciroccoMessage<T>>>;
  pullMany?: <T>(
    options: Omit<PullManyOptions, 'signal'>,
    signal: AbortSignal,
  ) => Observable<SciroccoMessage<T>[]>;
  ack?: <T>(id: string) => Observable<SciroccoMessage<T>>;
  push?: QueueOps['push$'];
  pushMany?: Required<QueueOps>['pushMany$'];
} {
  const detached = (ops as QueueOpsWithDetachedPull)[detachedPull];
  const original = (ops as QueueOpsWithDetachedPull)[originalOps];
  if (!detached || !original) return {};
  const samePull = original.pullNext$ === ops.pullNext$;
  return {
    ...(samePull ? { pull: detached.pull } : {}),
    ...(samePull && original.pullMany$ === ops.pullMany$ ? { pullMany: detached.pullMany } : {}),
    ...(original.ack$ === ops.ack$ ? { ack: detached.ack } : {}),
    ...(original.push$ === ops.push$ ? { push: detached.push } : {}),
    ...(original.pushMany$ === ops.pushMany$ ? { pushMany: detached.pushMany } : {}),
  };
}

/**
 * The Observable of a pull that may wait: unsubscribing ends the wait, and the server then answers
 * with what it had claimed in that instant, which nobody receives: it is given back (nacked).
 */
function pulled<T>(
  core: ClientCore,
  call: (options: CallOptions) => Promise<Result<SciroccoMessage<T>[], SciroccoError>>,
): Observable<SciroccoMessage<T>[]> {
  return new Observable<SciroccoMessage<T>[]>((subscriber) => {
    const controller = new AbortController();
    call({ signal: controller.signal }).then(
      (result) => {
        if (subscriber.closed) {
          if (result.isOk()) for (const message of result.value) void core.nack(message.metadata.id);
        } else if (result.isOk()) {
          subscriber.next(result.value);
          subscriber.complete();
        } else {
          subscriber.error(result.error);
        }
      },
      (error: unknown) => {
        subscriber.error(error);
      },
    );
    return () => {
      controller.abort();
    };
  });
}

/** The Observable operations of a promise client. */
export function opsFromCore(core: ClientCore): QueueOpsWithDetachedPull & Required<QueueOps> {
  const one = <T>(messages: SciroccoMessage<T>[]): Option<SciroccoMessage<T>> =>
    messages[0] === undefined ? None : Some(messages[0]);
  const pullNext$ = <T>(options: Omit<PullCallOptions, 'signal'> = {}) =>
    (options.waitMs ?? 0) > 0
      ? pulled<T>(core, async (call) =>
          (await core.pull<T>({ ...options, ...call })).map((found) => (found.isSome() ? [found.value] : [])),
        ).pipe(map(one))
      : fromResultCall((call) => core.pull<T>({ ...options, ...call }));
  const pullMany$ = <T>(options: Omit<PullManyOptions, 'signal'>) =>
    pulled<T>(core, (call) => core.pullMany<T>({ ...options, ...call }));
  const ack$ = <T>(id: string) => fromResultCall((call) => core.ack<T>(id, call));
  const push$: QueueOps['push$'] = (destination, payload, options = {}) =>
    fromResultCall((call) => core.push(destination, payload, { ...options, ...call }));
  const ackMany$: Required<QueueOps>['ackMany$'] = (ids) => fromResultCall((call) => core.ackMany(ids, call));
  const pushMany$: Required<QueueOps>['pushMany$'] = (messages) =>
    fromResultCall((call) => core.pushMany(messages, call));
  return {
    node: core.node,
    ...(core.telemetry ? { [opsTelemetry]: core.telemetry } : {}),
    [originalOps]: { pullNext$, ack$, push$, pullMany$, ackMany$, pushMany$ },
    [detachedPull]: {
      pull: <T>() => resultObservable(() => core.pull<T>(), false),
      // The signal ends a wait only: a pull that does not wait is let finish, since the server
      // may have claimed a message for it that an abort would lose.
      pullMany: <T>(options: Omit<PullManyOptions, 'signal'>, signal: AbortSignal) =>
        resultObservable(async () => {
          const waits =
            (options.waitMs ?? 0) > 0 &&
            (await core.extensions()).mapOr(false, (offered) => (offered.maxPullWaitMs ?? 0) > 0);
          return core.pullMany<T>(waits ? { ...options, signal } : options);
        }, false),
      ack: <T>(id: string) => resultObservable(() => core.ack<T>(id), false),
      push: (destination, payload, options = {}) =>
        resultObservable(() => core.push(destination, payload, options), false),
      pushMany: (messages) => resultObservable(() => core.pushMany(messages), false),
    },
    push$,
    pullNext$,
    pullMany$,
    ack$,
    get$: <T>(id: string) => fromResultCall((call) => core.get<T>(id, call)),
    list$: <T>(options: Omit<ListOptions, 'signal'> = {}) =>
      fromResultCall((call) => core.list<T>({ ...options, ...call })),
    update$: (id, payload) => fromResultCall((call) => core.update(id, payload, call)),
    delete$: (id) => fromResultCall((call) => core.delete(id, call)),
    deleteAll$: () => fromResultCall((call) => core.deleteAll(call)),
    wipe$: () => fromResultCall((call) => core.wipe(call)),
    info$: () => fromResultCall((call) => core.info(call)),
    nack$: <T>(id: string, options: Omit<NackOptions, 'signal'> = {}) =>
      fromResultCall((call) => core.nack<T>(id, { ...options, ...call })),
    extensions$: () => fromResultCall((call) => core.extensions(call)),
    ackMany$,
    pushMany$,
    nackMany$: (ids, options = {}) => fromResultCall((call) => core.nackMany(ids, { ...options, ...call })),
  };
}
