import { asyncScheduler, catchError, defer, map, of, tap, throwError, type Observable } from 'rxjs';
import { isSciroccoError } from '../client/scirocco-error.js';
import type { SciroccoMessage } from '../protocol/message-metadata.js';
import type { AckOutcome } from './ack-outcome.js';
import { attemptCounter } from './attempt-counter.js';
import { backoffDelay, type ResolvedBackoff } from './backoff.js';
import type { MessageFlow, ReceivedMessage, SettleStep } from './received-message.js';
import { retriedStep } from './retry-with-backoff.js';
import type { SchedulerLike } from 'rxjs';

/** What a failing handler's message becomes, with every default applied. */
export interface ResolvedSettleOptions {
  readonly onError: 'leave' | 'requeue' | { readonly deadLetter: string };
  readonly maxAttempts: number;
  readonly deadLetter: string | undefined;
  readonly requeueDelay: ResolvedBackoff;
  readonly onUnsubscribe: 'requeue' | 'strand';
  readonly backoff: ResolvedBackoff;
  readonly scheduler: SchedulerLike | undefined;
}

type Failed<T, R, O> = Extract<AckOutcome<T, R, O>, { status: 'failed' }>;

/**
 * How the messages of one stream are settled, once their handler has an answer: each method
 * settles the message and gives its outcome. An outcome is always emitted (a failure to settle is
 * an outcome too), and the work is let finish whoever still listens.
 */
export interface SettlePolicy<T, R, O> {
  /** The handler succeeded: ack (with retries); a failed ack leaves the message, reported. */
  acked(message: ReceivedMessage<T, O>, result: R | undefined): Observable<AckOutcome<T, R, O>>;
  /** The handler failed: `onError` says what becomes of the message. */
  failed(message: ReceivedMessage<T, O>, error: unknown): Observable<AckOutcome<T, R, O>>;
  /**
   * The handler was stopped before an answer: the message goes back, or is stranded. `retry`
   * false tries the push and the ack once (past a drain deadline, nothing waits out a backoff).
   */
  handBack(message: ReceivedMessage<T, O>, reason: Error, retry?: boolean): Observable<AckOutcome<T, R, O>>;
}

/** The stream of a message made by hand (not by `pull$`), which can only be acked or left. */
function flowOf(message: ReceivedMessage<unknown, unknown>): MessageFlow | undefined {
  return (message as { flow?: MessageFlow }).flow;
}

/** Creates the settle policy of one subscription (its attempts are counted per subscription). */
export function settlePolicy<T, R, O>(options: ResolvedSettleOptions): SettlePolicy<T, R, O> {
  const attempts = attemptCounter();

  /** What settling `message` needs: its stream's node, events, clock and retried steps. */
  const contextOf = (message: ReceivedMessage<T, O>) => {
    const flow = flowOf(message);
    const node = flow?.ops.node ?? message.metadata.nodeDestination;
    const emit = flow?.emit ?? (() => undefined);
    const scheduler = options.scheduler ?? flow?.scheduler ?? asyncScheduler;
    const retried = retriedStep(options.backoff, scheduler, node, emit);
    return { flow, node, emit, retried, attempt: attempts.of(message.metadata) };
  };

  /** An outcome that leaves the message `processing`; `why` reports it `stranded` instead of `released`. */
  const left = (
    message: ReceivedMessage<T, O>,
    fields: Omit<Failed<T, R, O>, 'status' | 'message' | 'attempts' | 'disposition'>,
    why?: string,
  ): Failed<T, R, O> => {
    message.release(why);
    return {
      status: 'failed',
      message,
      attempts: contextOf(message).attempt,
      disposition: 'left',
      ...fields,
    };
  };

  /** The handler failed: report it, then apply `onError`. */
  const failed = (message: ReceivedMessage<T, O>, error: unknown): Observable<AckOutcome<T, R, O>> => {
    const { flow, node, emit, retried, attempt } = contextOf(message);
    emit({ type: 'failed', node, message: message.metadata, error });
    if (options.onError === 'leave' || !flow) return of(left(message, { error, stage: 'handler' }));
    // A requeue whose attempts are used up goes to the dead-letter node, or is left.
    const exhausted = options.onError === 'requeue' && attempt >= options.maxAttempts;
    const target =
      options.onError !== 'requeue' ? options.onError.deadLetter : exhausted ? options.deadLetter : undefined;
    if (exhausted && target === undefined) return of(left(message, { error, stage: 'handler' }));
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
        ? message.requeue({ step, delayMs: backoffDelay(attempt, options.requeueDelay) })
        : message.deadLetter(target, step);
    return copied.pipe(
      map((copy): AckOutcome<T, R, O> => ({
        status: 'failed',
        message,
        error,
        stage: 'handler',
        disposition: target === undefined ? 'requeued' : 'dead-lettered',
        copy,
        attempts: attempt,
      })),
      catchError((dispositionError: unknown) =>
        of(left(message, { error, stage: 'handler', dispositionError, ...(pushed ? { copy: pushed } : {}) })),
      ),
    );
  };

  const handBack = (
    message: ReceivedMessage<T, O>,
    reason: Error,
    retry = true,
  ): Observable<AckOutcome<T, R, O>> => {
    const { flow, retried, attempt } = contextOf(message);
    if (options.onUnsubscribe === 'strand' || !flow) {
      return of(left(message, { error: reason, stage: 'handler' }, reason.message));
    }
    return message.requeue({ ...(retry ? { step: retried } : {}), handBack: reason.message }).pipe(
      map((copy): AckOutcome<T, R, O> => ({
        status: 'failed',
        message,
        error: reason,
        stage: 'handler',
        disposition: 'handed-back',
        copy,
        attempts: attempt,
      })),
      catchError((dispositionError: unknown) =>
        of(
          left(
            message,
            { error: reason, stage: 'handler', dispositionError },
            `${reason.message}; requeue failed: ${String(dispositionError)}`,
          ),
        ),
      ),
    );
  };

  /**
   * The common path (the ack succeeds at once) costs one subscription; only a retryable failure
   * builds the retry chain, replaying that first failure so the retries keep their count.
   */
  const acked = (message: ReceivedMessage<T, O>, result: R | undefined): Observable<AckOutcome<T, R, O>> => {
    const outcome: AckOutcome<T, R, O> = { status: 'acked', message, result };
    const ackFailed = (error: unknown) => {
      const { node, emit } = contextOf(message);
      emit({ type: 'failed', node, message: message.metadata, error });
      return left(message, { error, stage: 'ack' });
    };
    return message.ack().pipe(
      map(() => outcome),
      catchError((error: unknown) => {
        if (!isSciroccoError(error) || !error.retryable) return of(ackFailed(error));
        let replayed = false;
        const again = defer(() => {
          if (replayed) return message.ack();
          replayed = true;
          return throwError(() => error);
        });
        return contextOf(message)
          .retried('ack', again)
          .pipe(
            map(() => outcome),
            catchError((finalError: unknown) => of(ackFailed(finalError))),
          );
      }),
    );
  };

  return { acked, failed, handBack };
}
