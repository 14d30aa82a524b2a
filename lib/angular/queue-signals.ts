import {
  DestroyRef,
  DOCUMENT,
  inject,
  Injector,
  NgZone,
  PLATFORM_ID,
  runInInjectionContext,
  signal,
  type Signal,
} from '@angular/core';
import { Subject, type Observable } from 'rxjs';
import type { SciroccoMessage } from '../protocol/message-metadata.js';
import { ackOnComplete, type AckOnCompleteOptions } from '../rx/ack-on-complete.js';
import type { AckOutcome } from '../rx/ack-outcome.js';
import type { FlowEvent } from '../rx/flow-event.js';
import { flowLedger, type LedgerCounts } from '../rx/flow-ledger.js';
import type { HandlerContext, HandlerResult } from '../rx/handler-context.js';
import type { PullOptions } from '../rx/pull.js';
import type { ReceivedMessage } from '../rx/received-message.js';

/**
 * What a queue flow is doing: pulling (`polling`), waiting after a failure (`backing-off`),
 * stopped while the page is hidden (`paused`), or not pulling at all (`stopped`: destroyed,
 * stopped, failed, or rendering on a server).
 */
export type QueueState = 'polling' | 'backing-off' | 'paused' | 'stopped';

/**
 * Options of {@link queueSignals}.
 *
 * @example
 * ```ts
 * import { createClient } from 'scirocco-rx/browser';
 * import type { QueueSignalsOptions } from 'scirocco-rx/angular';
 *
 * const options: QueueSignalsOptions<{ celsius: number }> = {
 *   client: createClient({ url: '/scirocco', node: 'b2', token: 'DEFAULT_TOKEN' }),
 *   keep: 5,
 * };
 * ```
 */
export interface QueueSignalsOptions<T = unknown, R = unknown> {
  /** The client whose node's messages are consumed (its `pull$`). */
  readonly client: {
    /** The client's `pull$`. */
    pull$<M = unknown>(options?: PullOptions): Observable<ReceivedMessage<M>>;
  };
  /** Handles each message, as `ackOnComplete`'s handler; acked when it succeeds. @default ack at once */
  readonly handler?: (message: ReceivedMessage<T>, context: HandlerContext) => HandlerResult<R>;
  /** Options of the `pull$` (its `stop` and `onEvent` are the adapter's; `onEvent` is called too). */
  readonly pull?: PullOptions;
  /** Options of the `ackOnComplete`. */
  readonly ack?: AckOnCompleteOptions;
  /** How many of the last messages handled `messages` keeps. @default 20 */
  readonly keep?: number;
  /** Stop pulling while the page is hidden (`document.visibilityState`), and go on when it shows. @default true */
  readonly pauseWhenHidden?: boolean;
  /** Where to find `DestroyRef`, `NgZone` and the platform. @default the current injection context */
  readonly injector?: Injector;
}

/** The signals of a queue flow, and its stop. */
export interface QueueSignals<T = unknown> {
  /** The last messages handled, the newest first (metadata and payload). */
  readonly messages: Signal<readonly SciroccoMessage<T>[]>;
  /** The flow's ledger: claimed, in flight, and each outcome (acked, requeued, …). */
  readonly counts: Signal<LedgerCounts>;
  readonly state: Signal<QueueState>;
  /** What ended the flow, when a failure did (a refused token, say). */
  readonly error: Signal<unknown>;
  /** Stops for good: no new pull; the handlers in flight finish and settle. */
  stop(): void;
}

/**
 * Consumes a node's messages into Angular signals: `pull$` + `ackOnComplete`, started at once and
 * stopped gracefully when the injector's `DestroyRef` is destroyed (a component's, in a
 * component). It polls outside the Angular zone when zone.js is there (no change detection per
 * poll; signals schedule what they change) and works the same zoneless (Angular 21's default). It
 * pauses while the page is hidden unless told otherwise, and never polls while rendering on a
 * server (`PLATFORM_ID` `server`): the state stays `stopped`.
 *
 * ```text
 * page:      visible ---------- hidden ------- visible ----- destroyed
 * state:     polling -- backing-off -- polling -- paused -- polling -- stopped
 * messages:  [a] [b, a] ...                     [c, b, a]
 * ```
 *
 * @example
 * ```ts
 * import { Component } from '@angular/core';
 * import { queueSignals } from 'scirocco-rx/angular';
 * import { createClient } from 'scirocco-rx/browser';
 *
 * @Component({
 *   selector: 'app-readings',
 *   template: `{{ queue.state() }}: {{ queue.counts().acked }} acked, last {{ queue.messages()[0]?.payload?.celsius }} °C`,
 * })
 * export class ReadingsComponent {
 *   readonly queue = queueSignals<{ celsius: number }>({
 *     client: createClient({ url: '/scirocco', node: 'b2', token: 'DEFAULT_TOKEN' }),
 *   });
 * }
 * ```
 */
export function queueSignals<T = unknown, R = unknown>(options: QueueSignalsOptions<T, R>): QueueSignals<T> {
  const keep = options.keep ?? 20;
  if (!Number.isSafeInteger(keep) || keep < 0) {
    throw new RangeError(`queueSignals: keep must be a whole number >= 0, got ${String(keep)}`);
  }
  const injector = options.injector ?? inject(Injector);
  return runInInjectionContext(injector, () => {
    const destroyRef = inject(DestroyRef);
    const zone = inject(NgZone, { optional: true });
    const onServer = inject(PLATFORM_ID, { optional: true }) === 'server';
    const document = inject(DOCUMENT, { optional: true });
    const ledger = flowLedger();
    const messages = signal<readonly SciroccoMessage<T>[]>([]);
    const counts = signal<LedgerCounts>(ledger.counts());
    const state = signal<QueueState>('stopped');
    const error = signal<unknown>(undefined);
    /** The stop of the run under way, if one is. */
    let running: Subject<void> | undefined;
    let over = onServer;

    const onEvent = (event: FlowEvent) => {
      ledger.record(event);
      counts.set(ledger.counts());
      if (running && state() !== 'paused') {
        if (event.type === 'backing-off') state.set('backing-off');
        else if (event.type === 'pulled' || event.type === 'empty') state.set('polling');
      }
      options.pull?.onEvent?.(event);
    };
    const outside = <V>(work: () => V): V => (zone ? zone.runOutsideAngular(work) : work());
    const start = () => {
      if (running || over) return;
      const stop = new Subject<void>();
      running = stop;
      state.set('polling');
      const pulled: Observable<ReceivedMessage<T>> = options.client.pull$<T>({
        ...options.pull,
        stop,
        onEvent,
      });
      const handled: Observable<AckOutcome<T, R>> = pulled.pipe(
        ackOnComplete<T, R>(options.handler, options.ack),
      );
      outside(() =>
        handled.subscribe({
          next: (outcome) => {
            const { metadata, payload } = outcome.message;
            messages.update((kept) => [{ metadata, payload }, ...kept].slice(0, keep));
          },
          error: (failure: unknown) => {
            error.set(failure);
            // A run stopped at a pause that fails as it drains leaves the later run be.
            if (running !== undefined && running !== stop) return;
            running = undefined;
            over = true;
            state.set('stopped');
          },
          complete: () => {
            if (running !== undefined && running !== stop) return;
            running = undefined;
            if (state() !== 'paused') state.set('stopped');
          },
        }),
      );
    };
    /** Stops the run under way gracefully (its handlers finish and settle). */
    const halt = (next: QueueState) => {
      const stop = running;
      running = undefined;
      state.set(next);
      stop?.next();
      stop?.complete();
    };
    const hidden = () => document?.visibilityState === 'hidden';
    const onVisibility = () => {
      if (over) return;
      if (hidden()) halt('paused');
      else start();
    };
    const watchVisibility = options.pauseWhenHidden !== false && document !== null && !onServer;
    if (watchVisibility) document.addEventListener('visibilitychange', onVisibility);
    const stopForGood = () => {
      over = true;
      if (watchVisibility) document.removeEventListener('visibilitychange', onVisibility);
      halt('stopped');
    };
    destroyRef.onDestroy(stopForGood);
    if (!onServer) {
      if (watchVisibility && hidden()) state.set('paused');
      else start();
    }
    return {
      messages: messages.asReadonly(),
      counts: counts.asReadonly(),
      state: state.asReadonly(),
      error: error.asReadonly(),
      stop: stopForGood,
    };
  });
}
