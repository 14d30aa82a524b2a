import { Observable, switchMap, type SchedulerLike, type Subscription } from 'rxjs';
import { Err, Ok, type Result } from 'ts-results-es';
import { isSciroccoError, type SciroccoError } from '../client/scirocco-error.js';
import type { MessageMetadata, SciroccoMessage } from '../protocol/message-metadata.js';
import type { ServerExtensions } from '../protocol/server-extensions.js';
import type { QueueOps } from './queue-ops.js';

/**
 * The ack window of an operator that sets none: 2 ms in real time, none in virtual time — on a
 * clock that does not read the wall clock (a `TestScheduler`, or any scheduler inside
 * `TestScheduler.run`), where gathering would move the frames of marble tests.
 */
export function defaultAckWindow(clock: SchedulerLike): number {
  return Math.abs(clock.now() - Date.now()) > 60_000 ? 0 : 2;
}

/** What an {@link ackCoalescer} needs of its stream. */
export interface AckCoalescerOptions {
  readonly ops: QueueOps;
  /** The stream's clock: the window runs on it. */
  readonly scheduler: SchedulerLike;
  /** Where a full batch is sent: after the callback that filled it, never inside it. */
  readonly hop: SchedulerLike;
  /** What the server offers, asked once per stream. */
  readonly discover: () => Observable<ServerExtensions>;
  /** The ack of one message, as the stream sends it without a window. */
  readonly single: <T>(id: string) => Observable<SciroccoMessage<T>>;
  /** Whether `ops.ackMany$` may stand for the acks (not when a wrapper replaced `ack$` alone). */
  readonly batched: boolean;
  /** Messages of the stream emitted and not settled: when each waits for its ack, none can join. */
  readonly inFlight: () => number;
  /** Called once the answer of a request the coalescer sent was heard (the stream's next step). */
  readonly answered: () => void;
}

/** The acks of one stream, each sent alone or gathered with others into one batch ack. */
export interface AckCoalescer {
  /**
   * Acks `message`: alone, or with the acks asked within the window in one batch ack where the
   * server offers it. Emits the acked message (in a batch: the metadata the server answered and
   * the payload as received) or errors with the message's own failure.
   */
  ack<T>(message: SciroccoMessage<T>): Observable<SciroccoMessage<T>>;
  /**
   * Gathers acks for up to `windowMs` from now on (the largest asked counts); 0 sends each alone.
   * `joiners` is the most acks an operator asks together (its concurrency): a batch goes once it
   * holds that many, or once every message in flight waits for its ack, here or in a request sent.
   */
  gather(windowMs: number, joiners?: number): void;
  /**
   * Whether acks it gathers are waiting to go or waiting for their answer: their slots are about
   * to come back, so that a batch pull may wait for them and claim for all the slots at once.
   */
  readonly settling: boolean;
  /** The most acks an operator asks together, as `gather` was told (Infinity until then). */
  readonly joiners: number;
}

/** The outcome of one ack: the server's answer, or a failure of its whole request. */
type Outcome = Result<MessageMetadata, SciroccoError> | { readonly failed: unknown };

interface Waiting {
  readonly id: string;
  /** Hears the id's outcome; a listener that went away leaves a no-op (the ack still goes). */
  hear: (outcome: Outcome) => void;
}

/**
 * Creates the ack coalescer of one `pull$` subscription. A batch is sent when the window of its
 * first ack closes, when every message in flight waits for its ack, in it or in a request sent
 * (nothing else could join it), or when it reaches the server's batch limit. The window costs nothing where no ack could join:
 * with one message in flight, its ack goes at once; a batch of one is a plain ack. Each id gets
 * its own outcome; a request that fails as a whole fails each of its acks, for each to be retried
 * (and gathered again).
 */
export function ackCoalescer(options: AckCoalescerOptions): AckCoalescer {
  const { ops, scheduler, hop, discover, single, batched, inFlight, answered } = options;
  /** The batch ack the coalescer may use: none where a wrapper replaced `ack$` alone. */
  const ackMany = batched ? ops.ackMany$?.bind(ops) : undefined;
  if (!ackMany) {
    // Nothing to gather into: every ack goes alone.
    return {
      ack: <T>(message: SciroccoMessage<T>) => single<T>(message.metadata.id),
      gather: () => undefined,
      settling: false,
      joiners: Infinity,
    };
  }
  /** Acks sent and not answered yet. */
  let acking = 0;
  /** The most acks an operator asks together: its handlers. */
  let joiners = Infinity;
  /** The server's most ids of a batch ack, once known; 0: it has none (each ack goes alone). */
  let batchMost: number | undefined;
  let windowMs = 0;
  /** The acks waiting for the next request, and the window timer it closes with. */
  let batch: Waiting[] = [];
  let timer: Subscription | undefined;
  let full = false;

  /**
   * Sends `sent` if it is still the batch waiting: a window and a full batch may both ask. The
   * window of a batch sent early is not cancelled but finds nothing to do: cancelling a timer due
   * in the frame that sends trips the virtual time of `TestScheduler.run`.
   */
  const send = (sent: Waiting[]) => {
    if (sent !== batch) return;
    timer = undefined;
    full = false;
    batch = [];
    acking += sent.length;
    /** Each outcome heard once, after the count of acks under way dropped. */
    const hear = (outcomes: readonly (Outcome | undefined)[]) => {
      acking -= sent.length;
      sent.forEach((waiting, index) => {
        waiting.hear(outcomes[index] ?? { failed: new Error(`no outcome for ${waiting.id}`) });
      });
      answered();
    };
    const [only] = sent;
    if (sent.length === 1 && only) {
      // A batch of one is an ack of one: the same cost, and the request the plain protocol has.
      single(only.id).subscribe({
        next: (acked) => {
          hear([Ok(acked.metadata)]);
        },
        error: (error: unknown) => {
          hear([isSciroccoError(error) ? Err(error) : { failed: error }]);
        },
      });
      return;
    }
    ackMany(sent.map((waiting) => waiting.id)).subscribe({
      next: hear,
      error: (error: unknown) => {
        hear(sent.map(() => ({ failed: error })));
      },
    });
  };

  const join = <T>(message: SciroccoMessage<T>, most: number): Observable<SciroccoMessage<T>> =>
    new Observable<SciroccoMessage<T>>((subscriber) => {
      const waiting: Waiting = {
        id: message.metadata.id,
        hear: (outcome) => {
          if ('failed' in outcome) subscriber.error(outcome.failed);
          else if (outcome.isErr()) subscriber.error(outcome.error);
          else {
            subscriber.next({ metadata: outcome.value, payload: message.payload });
            subscriber.complete();
          }
        },
      };
      batch.push(waiting);
      const current = batch;
      // Full with an ack per handler, or once every message in flight waits for its ack, here
      // or sent (nothing else can join), or at the server's limit.
      if (!full && (current.length >= Math.min(most, joiners) || current.length + acking >= inFlight())) {
        full = true;
        hop.schedule(() => {
          send(current);
        });
      } else {
        timer ??= scheduler.schedule(() => {
          send(current);
        }, windowMs);
      }
      return () => {
        // The message was handled: its ack still goes, nobody hears it.
        waiting.hear = () => undefined;
      };
    });

  return {
    ack: <T>(message: SciroccoMessage<T>) => {
      if (windowMs === 0 || batchMost === 0) {
        return single<T>(message.metadata.id);
      }
      if (batchMost !== undefined) return join(message, batchMost);
      // The first ack of the stream asks what the server offers; the answer is kept.
      return discover().pipe(
        switchMap((offered) => {
          const most = offered.maxBatchAck ?? 0;
          batchMost = most > 1 ? most : 0;
          return batchMost > 0 ? join(message, batchMost) : single<T>(message.metadata.id);
        }),
      );
    },
    gather: (ms, most = Infinity) => {
      windowMs = Math.max(windowMs, ms);
      joiners = Math.min(joiners, most);
    },
    get settling() {
      // A batch still gathering (its window open) does not count: handlers are still at work.
      return acking > 0 || full;
    },
    get joiners() {
      return joiners;
    },
  };
}
