/**
 * scirocco-rx: the scirocco HTTP message queue for reactive code.
 *
 * This entry point is safe for browsers: it imports nothing from Node.
 * The server lives in `scirocco-rx/server`.
 *
 * @packageDocumentation
 */
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
} from './protocol/index.js';
