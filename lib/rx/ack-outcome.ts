import type { SciroccoMessage } from '../protocol/message-metadata.js';
import type { ReceivedMessage } from './received-message.js';

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
      /**
       * Where the message ended: still `processing`; back in this node's queue (`requeued`:
       * nacked, or acked after a copy was pushed); acked after a copy was pushed to the
       * dead-letter node; or back in this node's queue unhandled because its handler was stopped
       * (`handed-back`: an unsubscribe, the end of a drain).
       */
      readonly disposition: 'left' | 'requeued' | 'dead-lettered' | 'handed-back';
      /**
       * The message as it went back: the message itself, nacked (its id), or the copy pushed by
       * `requeue` or to the dead-letter node; a copy also when the ack of the original failed
       * after it (`disposition: 'left'` with `dispositionError`): then both exist.
       */
      readonly copy?: SciroccoMessage<O>;
      /** Why the nack, or the requeue or dead-letter push (or the ack after it), failed, leaving the message. */
      readonly dispositionError?: unknown;
      /** The deliveries the message had, this one included (its requeued copies' counted). */
      readonly attempts: number;
    };
