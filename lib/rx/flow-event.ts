import type { SciroccoError, SciroccoOperation } from '../client/scirocco-error.js';
import type { MessageMetadata } from '../protocol/message-metadata.js';

/**
 * What a running flow reports, enough to draw a progress line or export metrics. Every event
 * names the node of the client that ran the flow.
 *
 * @example
 * ```ts
 * import { createClient, type FlowEvent } from 'scirocco-rx';
 *
 * const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });
 * const counts = new Map<FlowEvent['type'], number>();
 * client.events$.subscribe((event) => counts.set(event.type, (counts.get(event.type) ?? 0) + 1));
 * ```
 *
 * | type | when |
 * | --- | --- |
 * | `pulled` | `pull$` claimed a message (and emitted it, or handed it back when its subscriber was gone) |
 * | `empty` | a poll found nothing due |
 * | `acked` | a message was acked |
 * | `failed` | a handler, or an ack after its retries, failed |
 * | `backing-off` | a retryable failure: the next try waits `delayMs` |
 * | `cors-suspected` | the first failure of a run is a browser request to another origin that got no readable answer: the server is down, or its CORS settings refuse the page's origin (before its `backing-off`) |
 * | `retried` | the try after a backoff was sent |
 * | `requeued` / `dead-lettered` | a failed message went back to this node (nacked: `copy` is the message itself, its id kept; or a copy pushed and the original acked), or was copied to the dead-letter node and acked |
 * | `handed-back` | a message nobody handled — claimed after or during a shutdown, or its handler stopped by an unsubscribe or the end of a drain — went back to this node as a requeue does, with the reason |
 * | `stranded` | a message claimed but left `processing` and handed to no one |
 * | `released` | a message was released: its slot freed, the message left `processing` on purpose (a `leave` policy, `release()`) |
 * | `possibly-stranded` | a pull that may have reached the server lost its answer (a timeout, a connection cut once made): the server may have claimed a message for it, which is then left `processing` and handed to no one |
 * | `in-flight-mismatch` | `pull$`'s `maxInFlight` was set to another number than the `concurrency` of the `ackOnComplete` (or the `size` of the `batchMessages`) after it; once per stream |
 * | `skipped` | `skipMessages` dropped a message and settled it as its `onSkip` says |
 * | `stalled` | `pull$` has been at its in-flight limit for `stallTimeout` with no message settled: something between it and the settling operator drops messages without settling them (a `filter`: use `skipMessages`) |
 * | `pushed` | `pushFrom` pushed an item |
 */
export type FlowEvent =
  | { readonly type: 'pulled'; readonly node: string; readonly message: MessageMetadata }
  | { readonly type: 'empty'; readonly node: string }
  | { readonly type: 'acked'; readonly node: string; readonly message: MessageMetadata }
  | {
      readonly type: 'failed';
      readonly node: string;
      readonly message: MessageMetadata;
      readonly error: unknown;
    }
  | {
      readonly type: 'backing-off';
      readonly node: string;
      readonly operation: SciroccoOperation;
      readonly attempt: number;
      readonly delayMs: number;
      readonly error: SciroccoError;
    }
  | { readonly type: 'skipped'; readonly node: string; readonly message: MessageMetadata }
  | { readonly type: 'released'; readonly node: string; readonly message: MessageMetadata }
  | {
      readonly type: 'in-flight-mismatch';
      readonly node: string;
      readonly maxInFlight: number;
      /** The number the operator downstream asked for. */
      readonly demanded: number;
    }
  | { readonly type: 'possibly-stranded'; readonly node: string; readonly error: SciroccoError }
  | {
      readonly type: 'stalled';
      readonly node: string;
      /** Messages emitted and not settled: the stream's in-flight limit. */
      readonly inFlight: number;
      /** How long no message was settled. */
      readonly sinceMs: number;
    }
  | {
      readonly type: 'cors-suspected';
      readonly node: string;
      readonly operation: SciroccoOperation;
      readonly error: SciroccoError;
    }
  | {
      readonly type: 'retried';
      readonly node: string;
      readonly operation: SciroccoOperation;
      readonly attempt: number;
    }
  | {
      readonly type: 'requeued';
      readonly node: string;
      readonly message: MessageMetadata;
      readonly copy: MessageMetadata;
    }
  | {
      readonly type: 'dead-lettered';
      readonly node: string;
      readonly message: MessageMetadata;
      readonly copy: MessageMetadata;
      readonly deadLetter: string;
    }
  | {
      readonly type: 'handed-back';
      readonly node: string;
      readonly message: MessageMetadata;
      readonly copy: MessageMetadata;
      readonly reason: string;
    }
  | {
      readonly type: 'stranded';
      readonly node: string;
      readonly message: MessageMetadata;
      readonly reason: string;
    }
  | { readonly type: 'pushed'; readonly node: string; readonly message: MessageMetadata };

/** Receives flow events; it must not throw (what it throws is ignored). */
export type FlowEventHandler = (event: FlowEvent) => void;
