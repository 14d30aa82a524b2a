// Every export that runs anywhere: Node, browsers, Angular. The entry points `scirocco-rx`
// (Node) and `scirocco-rx/browser` re-export all of it and add their own `createClient`.
export {
  HEADERS,
  MESSAGE_STATUSES,
  isMessageStatus,
  parseDate,
  MAX_PAYLOAD_TYPE_LENGTH,
  MESSAGE_ID_PATTERN,
  NODE_ID_PATTERN,
  validateHeaderValue,
  validateMessageId,
  validateNodeId,
  validatePayloadType,
  validateScheduledAt,
  decodeBase64,
  encodeBase64,
  PAYLOAD_CONTENT_TYPES,
  payloadKindOfContentType,
  encodePayload,
  decodePayload,
  metadataFromHeaders,
  LIST_CONTENT_TYPE_FIELD,
  messageFromListItem,
  type SciroccoHeader,
  type MessageStatus,
  type MessageMetadata,
  type SciroccoMessage,
  type PayloadKind,
  type EncodedPayload,
  summarizeGroups,
  type NodeSummary,
  type QueueSummary,
  type QueueTotals,
  type StatusCounts,
  type StatusGroup,
} from './protocol/index.js';
export {
  SciroccoError,
  isSciroccoError,
  type SciroccoErrorKind,
  type SciroccoErrorDetails,
  type SciroccoOperation,
} from './client/scirocco-error.js';
export {
  TransportFailure,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from './client/transport.js';
export { fetchTransport, type FetchTransportOptions } from './client/fetch-transport.js';
export { DEFAULT_TIMEOUT_MS, type ClientOptions } from './client/client-options.js';
export type {
  ClientTelemetry,
  TelemetryCall,
  TelemetryOutcome,
  TelemetryProcess,
  TelemetryRequest,
} from './client/client-telemetry.js';
export type {
  CallOptions,
  ClientCore,
  ExtensionsOptions,
  ListOptions,
  SummaryOptions,
  NackOptions,
  PullCallOptions,
  PullManyOptions,
  PushManyMessage,
  PushOptions,
  SciroccoResult,
  ServerInfo,
} from './client/client-core.js';
export type {
  RecoveredStuck,
  RecoverStuckOptions,
  StuckFailure,
  StuckRecovery,
} from './client/recover-stuck.js';
export type { Bytes, Payload, PayloadOf } from './client/payload.js';
export {
  EXTENSIONS_HEADER,
  WAIT_ID_HEADER,
  formatExtensions,
  parseExtensions,
  type ServerExtensions,
} from './protocol/server-extensions.js';
export type { SciroccoClient, ReactiveMethods } from './rx/scirocco-client.js';
export { fromResultCall, type QueueOps, type PushOptions$ } from './rx/queue-ops.js';
export { pull$, type PullOptions } from './rx/pull.js';
export type { MessageFlow, ReceivedMessage, RequeueOptions, SettleStep } from './rx/received-message.js';
export { ackOnComplete, type AckOnCompleteOptions, type OnHandlerError } from './rx/ack-on-complete.js';
export type { AckOutcome } from './rx/ack-outcome.js';
export type { HandlerContext, HandlerResult } from './rx/handler-context.js';
export { HandlerTimeoutError } from './rx/handler-timeout-error.js';
export { pushFrom, PushBufferOverflowError, type PushFromOptions } from './rx/push-from.js';
export { skipMessages, type OnSkip, type SkipMessagesOptions } from './rx/skip-messages.js';
export { consume, type ConsumeOptions } from './rx/consume.js';
export { flowLedger, type FlowLedger, type LedgerCounts } from './rx/flow-ledger.js';
export { messages, type MessagesOptions } from './rx/messages.js';
export { batchMessages, type BatchMessagesOptions } from './rx/batch-messages.js';
export { pushTo, type PushSink } from './rx/push-to.js';
export type { BackoffOptions } from './rx/backoff.js';
export type { FlowEvent, FlowEventHandler } from './rx/flow-event.js';
export { watchSummary, type AskSummary, type WatchSummaryOptions } from './rx/watch-summary.js';
