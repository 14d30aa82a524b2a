/**
 * The HTTP header names of the scirocco protocol, with the exact casing the server writes.
 *
 * A single message travels with its payload as the body and its metadata in these headers;
 * requests carry the caller's node id in `HEADERS.nodeSource`.
 *
 * @example
 * ```ts
 * import { HEADERS } from 'scirocco-rx';
 *
 * const headers = { [HEADERS.nodeSource]: 'af123', Authorization: 'DEFAULT_TOKEN' };
 * ```
 */
export const HEADERS = Object.freeze({
  id: 'Scirocco-Id',
  nodeSource: 'Scirocco-Node-Source',
  nodeDestination: 'Scirocco-Node-Destination',
  status: 'Scirocco-Status',
  tries: 'Scirocco-Tries',
  payloadType: 'Scirocco-Payload-Type',
  topic: 'Scirocco-Topic',
  createdTime: 'Scirocco-Created-Time',
  updateTime: 'Scirocco-Update-Time',
  scheduledTime: 'Scirocco-Scheduled-Time',
  processingTime: 'Scirocco-Processing-Time',
  processedTime: 'Scirocco-Processed-Time',
  errorTime: 'Scirocco-Error-Time',
  /**
   * The trace context of the push that made the message (a W3C `traceparent` value): sent by a
   * producer with tracing on, kept by a server with the `trace-context` extension and returned
   * with the message; the original ignores it.
   */
  traceParent: 'Scirocco-Trace-Parent',
} as const);

/** One of the scirocco header names in {@link HEADERS}. */
export type SciroccoHeader = (typeof HEADERS)[keyof typeof HEADERS];
