import {
  asyncScheduler,
  catchError,
  defer,
  from,
  isObservable,
  map,
  mergeMap,
  Observable,
  of,
  Subscription,
  tap,
  throwError,
  type ObservableInput,
  type OperatorFunction,
  type SchedulerLike,
} from 'rxjs';
import { isSciroccoError } from '../client/scirocco-error.js';
import type { SciroccoMessage } from '../protocol/message-metadata.js';
import { validateNodeId } from '../protocol/validation.js';
import { attemptCounter } from './attempt-counter.js';
import { backoffDelay, resolveBackoff, type BackoffOptions } from './backoff.js';
import type { MessageFlow, ReceivedMessage, SettleStep } from './received-message.js';
import { retryWithBackoff } from './retry-with-backoff.js';

/** What `ackOnComplete` does with a message whose handler failed. */
export type OnHandlerError = 'leave' | 'requeue' | { readonly deadLetter: string };

/**
 * Options of {@link ackOnComplete}.
 *
 * @example
 * ```ts
 * import type { AckOnCompleteOptions } from 'scirocco-rx';
 *
 * const options: AckOnCompleteOptions = { concurrency: 4, onError: { deadLetter: 'dead' }, backoff: { retries: 3 } };
 * ```
 */
export interface AckOnCompleteOptions {
  /** Most handlers running at once; with 1 the order of the messages is kept. @default 1 */
  readonly concurrency?: number;
  /**
   * When the handler fails: `'leave'` the message `processing`; `'requeue'` push a copy to this
   * node, then ack the original; `{ deadLetter: node }` push a copy there, then ack the original.
   * @default 'leave'
   */
  readonly onError?: OnHandlerError;
  /**
   * With `onError: 'requeue'`: the deliveries a message gets before it is given up, counting its
   * requeued copies (within this process: a copy is a new message to the server). Then it goes to
   * `deadLetter`, or without one it is left `processing`, and its outcome says so. @default 5
   */
  readonly maxAttempts?: number;
  /**
   * With `onError: 'requeue'`: how long a requeued copy waits before it is due, after the n-th
   * failed delivery (a scheduled push), so that a failing message does not loop hot.
   * @default 1 s, doubling up to 60 s, with jitter
   */
  readonly requeueDelay?: Omit<BackoffOptions, 'retries'>;
  /**
   * What happens to a message whose Observable handler an unsubscribe stops: `'requeue'` pushes a
   * copy to this node and acks the original; `'strand'` leaves it `processing`. Either way a
   * `requeued` or `stranded` event reports it. A Promise handler cannot be stopped: its message
   * is acked when it resolves (or handled by `onError`). An ack or requeue in flight is let finish.
   * @default 'requeue'
   */
  readonly onUnsubscribe?: 'requeue' | 'strand';
  /**
   * The longest a handler may run, in milliseconds: then it is stopped (an Observable handler is
   * unsubscribed, the handler's `signal` aborted) and the message fails with a
   * `HandlerTimeoutError`, handled by `onError`. @default no limit
   */
  readonly timeout?: number;
  /**
   * After the messages stop coming (a graceful `stop` of the `pull$`), how long handlers still
   * running may take, in milliseconds: then they are stopped and their messages handed back as
   * `onUnsubscribe` says, each reported. @default 10000
   */
  readonly drainTimeout?: number;
  /** With `onError: 'requeue'`: where a message goes when its `maxAttempts` are used up. */
  readonly deadLetter?: string;
  /** Spacing of retries of acks and pushes that fail retryably. @default 5 retries from 500 ms */
  readonly backoff?: BackoffOptions;
  /** Where retry timers run. @default the scheduler of the `pull$` the messages come from */
  readonly scheduler?: SchedulerLike;
}

/**
 * How one message ended.
 *
 * @example
 * ```ts
 * import type { AckOutcome } from 'scirocco-rx';
 *
 * function describe(outcome: AckOutcome): string {
 *   return outcome.status === 'acked' ? `acked ${outcome.message.metadata.id}` : `${outcome.disposition}: ${String(outcome.error)}`;
 * }
 * ```
 */
export type AckOutcome<T = unknown, R = unknown, O = T> =
  | {
      readonly status: 'acked';
      readonly message: ReceivedMessage<T, O>;
      /** The handler's last value (`undefined` when it gave none). */
      readonly result: R | undefined;
    }
  | {
      readonly status: 'failed';
      readonly message: ReceivedMessage<T, O>;
      /** The handler's error, or the ack's when the handler succeeded (`stage: 'ack'`). */
      readonly error: unknown;
      readonly stage: 'handler' | 'ack';
      /** Where the message ended: still `processing`, or acked after a copy was pushed. */
      readonly disposition: 'left' | 'requeued' | 'dead-lettered';
      /**
       * The copy pushed by `requeue` or to the dead-letter node; also when the ack of the original
       * failed after it (`disposition: 'left'` with `dispositionError`): then both exist.
       */
      readonly copy?: SciroccoMessage<O>;
      /** Why the requeue or dead-letter push (or the ack after it) failed, leaving the message. */
      readonly dispositionError?: unknown;
      /** The deliveries the message had, this one included (its requeued copies' counted). */
      readonly attempts: number;
    };

/** A handler's answer: an Observable (its last value counts), a Promise, or a plain value. */
export type HandlerResult<R> = ObservableInput<R> | R;

/**
 * What a handler gets beside its message: `signal` aborts when the handler is stopped (its
 * `timeout`, an unsubscribe, the end of a drain). Pass it to `fetch` and the like.
 *
 * @example
 * ```ts
 * import { ackOnComplete, type HandlerContext, type ReceivedMessage } from 'scirocco-rx';
 *
 * const handler = (message: ReceivedMessage<{ url: string }>, { signal }: HandlerContext) =>
 *   fetch(message.payload.url, { signal });
 * export const operator = ackOnComplete(handler, { timeout: 5_000 });
 * ```
 */
export interface HandlerContext {
  readonly signal: AbortSignal;
}

/**
 * A handler ran longer than its `timeout`: it was stopped, and the message handled by `onError`.
 *
 * @example
 * ```ts
 * import { HandlerTimeoutError, type AckOutcome } from 'scirocco-rx';
 *
 * const timedOut = (outcome: AckOutcome) => outcome.status === 'failed' && outcome.error instanceof HandlerTimeoutError;
 * ```
 */
export class HandlerTimeoutError extends Error {
  override readonly name = 'HandlerTimeoutError';
  constructor(
    readonly messageId: string,
    readonly timeoutMs: number,
  ) {
    super(
      `ackOnComplete: the handler of message ${messageId} ran longer than its timeout of ${timeoutMs} ms`,
    );
  }
}

/** The handlers of a stream still running, and the deadline of its drain once the stream ended. */
interface Drain {
  readonly stops: Set<() => void>;
  deadline: Subscription | undefined;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function'
  );
}

function toObservable<R>(value: HandlerResult<R>): Observable<R> {
  if (isObservable(value)) return value;
  if (isPromiseLike(value)) return from(value);
  return of(value as R);
}

function checkOptions(options: AckOnCompleteOptions): void {
  const { concurrency = 1, onError = 'leave' } = options;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new RangeError(
      `ackOnComplete: concurrency must be a positive whole number, got ${String(concurrency)}`,
    );
  }
  for (const name of ['timeout', 'drainTimeout'] as const) {
    const value = options[name];
    if (value !== undefined && !(value >= 0 && Number.isFinite(value))) {
      throw new RangeError(
        `ackOnComplete: ${name} must be a number of milliseconds >= 0, got ${String(value)}`,
      );
    }
  }
  const { maxAttempts = 5, deadLetter } = options;
  if (!(maxAttempts >= 1) || (Number.isFinite(maxAttempts) && !Number.isSafeInteger(maxAttempts))) {
    throw new RangeError(
      `ackOnComplete: maxAttempts must be a positive whole number or Infinity, got ${String(maxAttempts)}`,
    );
  }
  for (const node of [typeof onError === 'object' ? onError.deadLetter : undefined, deadLetter]) {
    if (node === undefined) continue;
    const checked = validateNodeId(node, 'deadLetter node id');
    if (checked.isErr()) throw new RangeError(`ackOnComplete: ${checked.error}`);
  }
  if (typeof onError !== 'object' && !(['leave', 'requeue'] as unknown[]).includes(onError)) {
    throw new RangeError(
      `ackOnComplete: onError must be 'leave', 'requeue' or { deadLetter: node }, got ${JSON.stringify(onError)}`,
    );
  }
}

/**
 * Runs `handler` for each received message and acks the message when the handler completes
 * without error, then emits how it ended. With no handler, acks each message as it arrives.
 *
 * ```
 * pull$:          a---b---c---|
 * handler:        a~~|b~~X c~|        (X: b's handler fails)
 * ackOnComplete:  ---A----B---C|      A, C: { status: 'acked' }; B: { status: 'failed' }
 * ```
 *
 * Failures are values in the stream, never swallowed, and one failing message never ends it.
 * The protocol has no nack: `requeue` and `deadLetter` push a *copy* (a new id, `tries` back to 0,
 * at the end of the queue) and then ack the original; `leave` keeps the message `processing`, out
 * of every queue, as the protocol leaves any message that is never acked. An ack (or the push of a
 * copy) that fails retryably is retried with backoff, and reported if it finally fails.
 *
 * Fed by `pull$`, it asks the stream for `concurrency` messages in flight, so at most
 * `concurrency` messages are claimed and not yet acked at any moment.
 *
 * @example
 * ```ts
 * import { ackOnComplete, createClient } from 'scirocco-rx';
 *
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * client
 *   .pull$<{ url: string }>()
 *   .pipe(ackOnComplete((message) => fetch(message.payload.url), { concurrency: 4, onError: 'requeue' }))
 *   .subscribe((outcome) => console.log(outcome.status, outcome.message.metadata.id));
 * ```
 */
export function ackOnComplete<T, R = unknown, O = T>(
  handler?: (message: ReceivedMessage<T, O>, context: HandlerContext) => HandlerResult<R>,
  options: AckOnCompleteOptions = {},
): OperatorFunction<ReceivedMessage<T, O>, AckOutcome<T, R, O>> {
  checkOptions(options);
  const concurrency = options.concurrency ?? 1;
  const onError = options.onError ?? 'leave';
  const backoff = resolveBackoff(options.backoff, 5);
  const maxAttempts = options.maxAttempts ?? 5;
  const onUnsubscribe = options.onUnsubscribe ?? 'requeue';
  const requeueDelay = resolveBackoff({ initial: 1_000, max: 60_000, jitter: 0.2, ...options.requeueDelay });

  const drainTimeout = options.drainTimeout ?? 10_000;

  return (source) =>
    defer(() => {
      const attempts = attemptCounter();
      // The handlers running, each with what stops it when a drain runs out of time.
      const running: Drain = { stops: new Set(), deadline: undefined };
      let clock: SchedulerLike = options.scheduler ?? asyncScheduler;
      const drain = () => {
        if (running.stops.size === 0) return;
        running.deadline = clock.schedule(() => {
          for (const stop of [...running.stops]) stop();
        }, drainTimeout);
      };
      return source.pipe(
        tap({ complete: drain }),
        mergeMap((message) => {
          // A message made by hand (not by pull$) has no flow: it can only be acked or left.
          const flow = (message as { flow?: MessageFlow }).flow;
          flow?.demand(concurrency);
          if (options.scheduler === undefined && flow) clock = flow.scheduler;
          return settle(message, flow, attempts, running);
        }, concurrency),
      );
    });

  function settle(
    message: ReceivedMessage<T, O>,
    flow: MessageFlow | undefined,
    attempts: ReturnType<typeof attemptCounter>,
    running: Drain,
  ): Observable<AckOutcome<T, R, O>> {
    const attempt = attempts.of(message.metadata);
    const scheduler = options.scheduler ?? flow?.scheduler ?? asyncScheduler;
    const node = flow?.ops.node ?? message.metadata.nodeDestination;
    const emit = flow?.emit ?? (() => undefined);
    const retried = <V>(operation: 'ack' | 'push', work: Observable<V>) =>
      work.pipe(retryWithBackoff<V>(operation, backoff, scheduler, node, emit));
    const report = (error: unknown) => {
      emit({ type: 'failed', node, message: message.metadata, error });
    };
    /** An outcome that leaves the message `processing`: its slot is freed. */
    const failed = (
      fields: Omit<Extract<AckOutcome<T, R, O>, { status: 'failed' }>, 'status' | 'message' | 'attempts'>,
    ) => {
      message.release();
      return { status: 'failed' as const, message, attempts: attempt, ...fields };
    };

    const dispose = (error: unknown): Observable<AckOutcome<T, R, O>> => {
      report(error);
      if (onError === 'leave' || !flow) return of(failed({ error, stage: 'handler', disposition: 'left' }));
      // A requeue whose attempts are used up goes to the dead-letter node, or is left.
      const exhausted = onError === 'requeue' && attempt >= maxAttempts;
      if (exhausted && options.deadLetter === undefined) {
        return of(failed({ error, stage: 'handler', disposition: 'left' }));
      }
      const target = onError !== 'requeue' ? onError.deadLetter : exhausted ? options.deadLetter : undefined;
      const disposition = target === undefined ? 'requeued' : 'dead-lettered';
      // The copy, once pushed, is named in the outcome even when the ack of the original fails.
      let pushed: SciroccoMessage<O> | undefined;
      const step: SettleStep = (operation, work) =>
        retried(operation, work).pipe(
          tap((value) => {
            if (operation !== 'push') return;
            pushed = value as SciroccoMessage<O>;
            attempts.copied(pushed.metadata, attempt);
          }),
        );
      const copied =
        target === undefined
          ? message.requeue({ step, delayMs: backoffDelay(attempt, requeueDelay) })
          : message.deadLetter(target, step);
      return copied.pipe(
        map((copy): AckOutcome<T, R, O> => ({
          status: 'failed',
          message,
          error,
          stage: 'handler',
          disposition,
          copy,
          attempts: attempt,
        })),
        catchError((dispositionError: unknown) =>
          of(
            failed({
              error,
              stage: 'handler',
              disposition: 'left',
              dispositionError,
              ...(pushed ? { copy: pushed } : {}),
            }),
          ),
        ),
      );
    };

    /** A message whose handler was stopped by an unsubscribe: requeued, or left and reported. */
    /**
     * A message whose handler was stopped (an unsubscribe, the end of a drain): requeued, or left
     * `processing` and reported, as `onUnsubscribe` says; its outcome is a failure with `reason`.
     */
    const handBack = (reason: Error): Observable<AckOutcome<T, R, O>> => {
      const stranded = (why: string, dispositionError?: unknown) => {
        message.release(why);
        return of(
          failed({
            error: reason,
            stage: 'handler',
            disposition: 'left',
            ...(dispositionError === undefined ? {} : { dispositionError }),
          }),
        );
      };
      if (onUnsubscribe === 'strand' || !flow) return stranded(reason.message);
      return message.requeue({ step: retried }).pipe(
        map((copy): AckOutcome<T, R, O> => ({
          status: 'failed',
          message,
          error: reason,
          stage: 'handler',
          disposition: 'requeued',
          copy,
          attempts: attempt,
        })),
        catchError((error: unknown) =>
          stranded(`${reason.message}; requeue failed: ${String(error)}`, error),
        ),
      );
    };
    const stopped = (why: string) =>
      new Error(`ackOnComplete: the handler of message ${message.metadata.id} was stopped ${why}`);

    // Hand-rolled rather than a chain of operators: this runs once per message, and the common
    // path (handler completes, ack succeeds at once) should cost a few function calls.
    return new Observable<AckOutcome<T, R, O>>((subscriber) => {
      const emitOutcome = (outcome: AckOutcome<T, R, O>) => {
        subscriber.next(outcome);
        subscriber.complete();
      };
      // A plain observer, not the subscriber itself: settling goes on after an unsubscribe, and a
      // closed subscriber would stop it at once.
      const follow = (source: Observable<AckOutcome<T, R, O>>) => {
        source.subscribe({
          next: (outcome) => {
            subscriber.next(outcome);
          },
          error: (error: unknown) => {
            subscriber.error(error);
          },
          complete: () => {
            subscriber.complete();
          },
        });
      };
      const acked = (result: R | undefined): AckOutcome<T, R, O> => ({ status: 'acked', message, result });
      const ackFailed = (error: unknown): AckOutcome<T, R, O> => {
        report(error);
        return failed({ error, stage: 'ack', disposition: 'left' });
      };
      const runAck = (result: R | undefined) => {
        message.ack().subscribe({
          next: () => {
            emitOutcome(acked(result));
          },
          error: (error: unknown) => {
            if (!isSciroccoError(error) || !error.retryable) {
              emitOutcome(ackFailed(error));
              return;
            }
            // Replay the first failure so the retries keep their count and spacing.
            let replayed = false;
            const again = defer(() => {
              if (replayed) return message.ack();
              replayed = true;
              return throwError(() => error);
            });
            follow(
              retried('ack', again).pipe(
                map(() => acked(result)),
                catchError((finalError: unknown) => of(ackFailed(finalError))),
              ),
            );
          },
        });
      };
      // Settling (the ack, a requeue) is let finish on unsubscribe: it reports where the message
      // ended. Only a handler still running is stopped, and its message handed back.
      if (!handler) {
        runAck(undefined);
        return undefined;
      }
      let controller: AbortController | undefined;
      const context: HandlerContext = {
        get signal() {
          return (controller ??= new AbortController()).signal;
        },
      };
      let answer: HandlerResult<R>;
      try {
        answer = handler(message, context);
      } catch (error) {
        follow(dispose(error));
        return undefined;
      }
      if (!isObservable(answer) && !isPromiseLike(answer)) {
        runAck(answer as R);
        return undefined;
      }
      let last: R | undefined;
      let handled = false;
      let timer: Subscription | undefined;
      /** Ends the handler's run: no timeout, no drain deadline, no more of its values. */
      const finish = () => {
        handled = true;
        timer?.unsubscribe();
        running.stops.delete(expire);
        if (running.stops.size === 0) running.deadline?.unsubscribe();
        handling.unsubscribe();
      };
      /** Stops a handler still running: its signal aborts, its message is settled by `then`. */
      const stop = (reason: Error, then: () => void) => {
        if (handled) return;
        finish();
        controller?.abort(reason);
        then();
      };
      const expire = () => {
        const reason = stopped(`when the drain ran out of time (${drainTimeout} ms)`);
        stop(reason, () => {
          follow(handBack(reason));
        });
      };
      const handling = new Subscription();
      running.stops.add(expire);
      if (options.timeout !== undefined) {
        const timeoutMs = options.timeout;
        timer = scheduler.schedule(() => {
          stop(new HandlerTimeoutError(message.metadata.id, timeoutMs), () => {
            follow(dispose(new HandlerTimeoutError(message.metadata.id, timeoutMs)));
          });
        }, timeoutMs);
      }
      handling.add(
        toObservable(answer).subscribe({
          next: (value) => (last = value),
          error: (error: unknown) => {
            if (handled) return;
            finish();
            follow(dispose(error));
          },
          complete: () => {
            if (handled) return;
            finish();
            runAck(last);
          },
        }),
      );
      const pending = answer;
      return () => {
        if (handled) return;
        // A Promise cannot be cancelled: its signal aborts, and its outcome still settles the
        // message (acked if it resolves, handed back if it rejects). An Observable handler is
        // stopped, and its message handed back.
        const reason = stopped('by an unsubscribe');
        stop(reason, () => {
          if (!isPromiseLike(pending)) {
            follow(handBack(reason));
            return;
          }
          pending.then(
            (value) => {
              runAck(value);
            },
            () => {
              follow(handBack(reason));
            },
          );
        });
      };
    });
  }
}
