import type { MessageMetadata } from './message-metadata.js';

/**
 * A payload as the server keeps it: JSON text of an object or array, a string, or bytes. The
 * kind is what the payload was pushed (or last updated) as; it decides how it is answered.
 */
export type StoredPayload =
  | { readonly kind: 'json'; readonly value: string }
  | { readonly kind: 'text'; readonly value: string }
  | { readonly kind: 'bytes'; readonly value: Uint8Array };

/** One stored message: its metadata and its payload. A store never changes one in place. */
export interface StoredMessage extends MessageMetadata {
  readonly payload: StoredPayload;
}
