import { tap, type Observable, type SchedulerLike } from 'rxjs';
import type { SciroccoMessage } from '../protocol/message-metadata.js';
import type { FlowEventHandler } from './flow-event.js';
import type { QueueOps } from './queue-ops.js';

/**
 * A message `pull$` claimed: its metadata and payload, and what to do with it.
 *
 * Each received message holds one of its `pull$`'s in-flight slots (`maxInFlight`) until its
 * `ack()` succeeds or `release()` is called: that is how the stream never claims more messages
 * than its consumer works on.
 *
 * @example
 * ```ts
 * import { EMPTY, mergeMap } from 'rxjs';
 * import { createClient } from 'scirocco-rx';
 *
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * client
 *   .pull$<{ n: number }>({ maxInFlight: 2 })
 *   .pipe(
 *     mergeMap((message) => {
 *       if (message.payload.n >= 0) return message.ack();
 *       message.release(); // give up on it: it stays processing, the slot is free
 *       return EMPTY;
 *     }),
 *   )
 *   .subscribe();
 * ```
 */
export interface ReceivedMessage<T = unknown> extends SciroccoMessage<T> {
  /**
   * A cold Observable that acks the message when subscribed (it becomes `processed`), emits the
   * acked message and completes, and frees the message's slot. Unsubscribing stops listening but
   * lets a request already sent finish: the message was handled, it should end `processed`. It
   * does not retry; `ackOnComplete` does.
   */
  ack(): Observable<SciroccoMessage<T>>;
  /** Frees the message's slot without acking it: it stays `processing` on the server. */
  release(): void;
}

/** What a flow operator needs to know of the stream a message came from. */
export interface MessageFlow {
  readonly ops: QueueOps;
  readonly scheduler: SchedulerLike;
  readonly emit: FlowEventHandler;
  /** Acks a message of this flow (not aborted on unsubscribe where the operations allow). */
  readonly ack: <T>(id: string) => Observable<SciroccoMessage<T>>;
  /** Asks the stream to keep up to `count` messages in flight (unless its user fixed the number). */
  demand(count: number): void;
}

const flows = new WeakMap<object, MessageFlow>();

/** The flow a received message came from. */
export function flowOf(message: ReceivedMessage): MessageFlow | undefined {
  return flows.get(message);
}

/** Wraps a claimed message; `settle` frees its slot once. */
export function receivedMessage<T>(
  message: SciroccoMessage<T>,
  flow: MessageFlow,
  settle: () => void,
): ReceivedMessage<T> {
  let settled = false;
  const release = () => {
    if (settled) return;
    settled = true;
    settle();
  };
  const received: ReceivedMessage<T> = Object.freeze({
    metadata: message.metadata,
    payload: message.payload,
    ack: () =>
      flow.ack<T>(message.metadata.id).pipe(
        tap((acked) => {
          flow.emit({ type: 'acked', node: flow.ops.node, message: acked.metadata });
          release();
        }),
      ),
    release,
  });
  flows.set(received, flow);
  return received;
}
