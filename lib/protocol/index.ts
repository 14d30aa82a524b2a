export { HEADERS, type SciroccoHeader } from './headers.js';
export { MESSAGE_STATUSES, isMessageStatus, type MessageStatus } from './message-status.js';
export type { MessageMetadata, SciroccoMessage } from './message-metadata.js';
export { parseDate } from './parse-date.js';
export {
  MAX_PAYLOAD_TYPE_LENGTH,
  MESSAGE_ID_PATTERN,
  NODE_ID_PATTERN,
  describeValue,
  validateHeaderValue,
  validateMessageId,
  validateNodeId,
  validatePayloadType,
  validateScheduledAt,
} from './validation.js';
export { decodeBase64, encodeBase64 } from './base64.js';
export {
  PAYLOAD_CONTENT_TYPES,
  charsetOf,
  mediaTypeOf,
  payloadKindOfContentType,
  type PayloadKind,
} from './payload-kind.js';
export { encodePayload, type EncodedPayload } from './encode-payload.js';
export { decodePayload, payloadFromJson } from './decode-payload.js';
export { METADATA_FIELDS, readMetadata, type MetadataField } from './metadata-fields.js';
export { metadataFromHeaders } from './metadata-from-headers.js';
export { LIST_CONTENT_TYPE_FIELD, messageFromListItem } from './message-from-list-item.js';
export { SERVER_INFO } from './server-info.js';
export {
  summarizeGroups,
  type NodeSummary,
  type QueueSummary,
  type QueueTotals,
  type StatusCounts,
  type StatusGroup,
} from './queue-summary.js';
