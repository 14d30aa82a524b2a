import type { MessageStatus } from './message-status.js';

/**
 * What the server knows about a message besides its payload, in camelCase.
 * Every time is a `Date`, whichever form (ISO 8601 or `Date.toString()`) the server sent.
 *
 * @example
 * ```ts
 * import type { MessageMetadata } from 'scirocco-rx';
 *
 * const age = (metadata: MessageMetadata) => Date.now() - metadata.createdTime.getTime();
 * ```
 */
export interface MessageMetadata {
  /** 24 lowercase hexadecimal characters. */
  readonly id: string;
  /** The node that pushed the message. */
  readonly nodeSource: string;
  /** The node the message is for. */
  readonly nodeDestination: string;
  readonly status: MessageStatus;
  /** How many times the message was pulled. */
  readonly tries: number;
  /** The sender's free label (1 to 30 characters); the request's Content-Type when none was given. */
  readonly payloadType: string;
  /** Part of the server's field list, never set by it. */
  readonly topic?: string;
  readonly createdTime: Date;
  readonly updateTime?: Date;
  readonly scheduledTime?: Date;
  readonly processingTime?: Date;
  readonly processedTime?: Date;
  /** Part of the server's field list, never set by it. */
  readonly errorTime?: Date;
  /**
   * The trace context (W3C `traceparent`) of the push that made the message, where the producer
   * traced it and the server keeps it (the `trace-context` extension): the consumer's spans link to
   * it.
   */
  readonly traceParent?: string;
}

/**
 * A message as every operation returns it: its metadata and its payload.
 *
 * @example
 * ```ts
 * import type { SciroccoMessage } from 'scirocco-rx';
 *
 * const celsius = (message: SciroccoMessage<{ celsius: number }>) => message.payload.celsius;
 * ```
 *
 * @typeParam T - the payload: a JSON object or array, a string, or `Uint8Array` bytes.
 */
export interface SciroccoMessage<T = unknown> {
  readonly metadata: MessageMetadata;
  readonly payload: T;
}
