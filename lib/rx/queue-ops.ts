import { Observable } from 'rxjs';
import type { Option, Result } from 'ts-results-es';
import type {
  CallOptions,
  ClientCore,
  ListOptions,
  NackOptions,
  PushOptions,
  ServerInfo,
} from '../client/client-core.js';
import type { ServerExtensions } from '../protocol/server-extensions.js';
import type { Payload, PayloadOf } from '../client/payload.js';
import type { SciroccoError } from '../client/scirocco-error.js';
import type { SciroccoMessage } from '../protocol/message-metadata.js';

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
  /** Cold single pull: `Some(message)`, or `None` when nothing is due. */
  pullNext$<T = unknown>(): Observable<Option<SciroccoMessage<T>>>;
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
 * Optional pull and ack that are never cancelled, for the flows: `pull$` never aborts a pull (the
 * server may have claimed a message for it) and a received message's ack is let finish (its
 * handler is done). They spare an AbortController and its listeners per request.
 */
export const detachedPull = Symbol('detachedPull');

/** Operations that may offer {@link detachedPull}. */
export type QueueOpsWithDetachedPull = QueueOps & {
  readonly [detachedPull]?: {
    /** The `pullNext$` and `ack$` they stand for: a wrapper that replaces either is not bypassed. */
    readonly of: Pick<QueueOps, 'pullNext$' | 'ack$' | 'push$'>;
    readonly pull: <T>() => Observable<Option<SciroccoMessage<T>>>;
    readonly ack: <T>(id: string) => Observable<SciroccoMessage<T>>;
    readonly push: QueueOps['push$'];
  };
};

/** The detached pull and ack of `ops`, each only where `ops` still has the original. */
export function detachedOf(ops: QueueOps): {
  pull?: <T>() => Observable<Option<SciroccoMessage<T>>>;
  ack?: <T>(id: string) => Observable<SciroccoMessage<T>>;
  push?: QueueOps['push$'];
} {
  const detached = (ops as QueueOpsWithDetachedPull)[detachedPull];
  if (!detached) return {};
  return {
    ...(detached.of.pullNext$ === ops.pullNext$ ? { pull: detached.pull } : {}),
    ...(detached.of.ack$ === ops.ack$ ? { ack: detached.ack } : {}),
    ...(detached.of.push$ === ops.push$ ? { push: detached.push } : {}),
  };
}

/** The Observable operations of a promise client. */
export function opsFromCore(core: ClientCore): QueueOpsWithDetachedPull & Required<QueueOps> {
  const pullNext$ = <T>() => fromResultCall((call) => core.pull<T>(call));
  const ack$ = <T>(id: string) => fromResultCall((call) => core.ack<T>(id, call));
  const push$: QueueOps['push$'] = (destination, payload, options = {}) =>
    fromResultCall((call) => core.push(destination, payload, { ...options, ...call }));
  return {
    node: core.node,
    [detachedPull]: {
      of: { pullNext$, ack$, push$ },
      pull: <T>() => resultObservable(() => core.pull<T>(), false),
      ack: <T>(id: string) => resultObservable(() => core.ack<T>(id), false),
      push: (destination, payload, options = {}) =>
        resultObservable(() => core.push(destination, payload, options), false),
    },
    push$,
    pullNext$,
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
  };
}
