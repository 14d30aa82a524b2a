import type { SchedulerLike, Subscription } from 'rxjs';
import type { FlowEventHandler } from './flow-event.js';

/** What a {@link flowCredit} needs to know. */
export interface FlowCreditOptions {
  readonly node: string;
  /** The number its user set (`maxInFlight`): then a demand never changes it. */
  readonly fixed: number | undefined;
  /** How long at the limit with no settlement before a `stalled` event. */
  readonly stallTimeout: number;
  /** The stream's clock, for the stall watch. */
  readonly scheduler: SchedulerLike;
  /** Where `onCredit` runs: after the downstream callback that freed a slot, never inside it. */
  readonly hop: SchedulerLike;
  readonly emit: FlowEventHandler;
  /** The stream's next step, scheduled on `hop` when a slot may have become free (or `wake`). */
  readonly onCredit: () => void;
}

/**
 * The one owner of a stream's flow control: at most `limit` messages emitted and not settled.
 * A stream takes a credit for each message it emits; settling the message gives it back.
 */
export interface FlowCredit {
  /** Whether another message may be emitted. */
  readonly available: boolean;
  /** Messages emitted and not settled. */
  readonly inFlight: number;
  /** How many more messages may be emitted now. */
  readonly free: number;
  /** A message was emitted. */
  take(): void;
  /** A message was settled: its credit comes back. */
  settle(): void;
  /**
   * An operator downstream asks for `count` messages in flight: the limit rises to it, unless the
   * user fixed the number, which an `in-flight-mismatch` event then reports once.
   */
  demand(count: number): void;
  /** Schedules `onCredit` on `hop`, once however many times it is asked before it runs. */
  wake(): void;
  /** No more callbacks. */
  close(): void;
}

/**
 * Creates the credit of one subscription of a stream. It gives credits back on `hop` (the flow's
 * one rule: work that downstream triggers is scheduled, never run inside its callback), and
 * watches for a stall: at the limit with nothing settled for `stallTimeout`, a `stalled` event
 * says so, once until a message is settled. One timer watches; a settlement only moves the moment
 * it counts from.
 */
export function flowCredit(options: FlowCreditOptions): FlowCredit {
  const { node, fixed, stallTimeout, scheduler, hop, emit, onCredit } = options;
  let limit = fixed ?? 1;
  let inFlight = 0;
  let closed = false;
  let mismatched = false;
  let pending: Subscription | undefined;
  let stall: Subscription | undefined;
  let quietSince = 0;
  let stallReported = false;

  // A flag, not the Subscription: a scheduler that runs the work at once (queueScheduler) would
  // leave a closed Subscription behind and every later wake would be dropped.
  let woken = false;
  const wake = () => {
    if (closed || woken) return;
    woken = true;
    pending = hop.schedule(() => {
      woken = false;
      pending = undefined;
      if (!closed) onCredit();
    });
  };
  const check = (): void => {
    stall = undefined;
    if (inFlight < limit || stallReported || closed) return;
    const quiet = scheduler.now() - quietSince;
    if (quiet < stallTimeout) {
      stall = scheduler.schedule(check, stallTimeout - quiet);
      return;
    }
    stallReported = true;
    emit({ type: 'stalled', node, inFlight, sinceMs: quiet });
  };

  return {
    get available() {
      return inFlight < limit;
    },
    get inFlight() {
      return inFlight;
    },
    get free() {
      return Math.max(0, limit - inFlight);
    },
    take() {
      inFlight++;
      if (stall || inFlight < limit) return;
      quietSince = scheduler.now();
      stall = scheduler.schedule(check, stallTimeout);
    },
    settle() {
      inFlight--;
      quietSince = scheduler.now();
      stallReported = false;
      wake();
    },
    demand(count) {
      if (fixed === undefined) {
        if (count > limit) {
          limit = count;
          wake();
        }
        return;
      }
      if (count !== fixed && !mismatched) {
        mismatched = true;
        emit({ type: 'in-flight-mismatch', node, maxInFlight: fixed, demanded: count });
      }
    },
    wake,
    close() {
      closed = true;
      pending?.unsubscribe();
      stall?.unsubscribe();
    },
  };
}
