/**
 * How a payload travels and is stored: `json` (an object or array), `text` (a string) or `bytes`.
 */
export type PayloadKind = 'json' | 'text' | 'bytes';

/**
 * The request `Content-Type` of each {@link PayloadKind}: the only three a push accepts, exactly.
 *
 * @example
 * ```ts
 * import { PAYLOAD_CONTENT_TYPES } from 'scirocco-rx';
 *
 * PAYLOAD_CONTENT_TYPES.bytes; // 'application/octet-stream'
 * ```
 */
export const PAYLOAD_CONTENT_TYPES: Readonly<Record<PayloadKind, string>> = Object.freeze({
  json: 'application/json',
  text: 'text/plain',
  bytes: 'application/octet-stream',
});

/**
 * The {@link PayloadKind} of a request `Content-Type` that is *exactly* one of
 * {@link PAYLOAD_CONTENT_TYPES} (a parameter such as `; charset=utf-8` makes it invalid), or
 * `undefined`.
 *
 * @example
 * ```ts
 * import { payloadKindOfContentType } from 'scirocco-rx';
 *
 * payloadKindOfContentType('text/plain'); // 'text'
 * payloadKindOfContentType('text/plain; charset=utf-8'); // undefined
 * ```
 */
export function payloadKindOfContentType(contentType: string | undefined): PayloadKind | undefined {
  switch (contentType) {
    case PAYLOAD_CONTENT_TYPES.json:
      return 'json';
    case PAYLOAD_CONTENT_TYPES.text:
      return 'text';
    case PAYLOAD_CONTENT_TYPES.bytes:
      return 'bytes';
    default:
      return undefined;
  }
}

/** The media types of the Content-Types servers send most, looked up before any parsing. */
const COMMON_MEDIA: Readonly<Record<string, string>> = {
  'application/json; charset=utf-8': 'application/json',
  'application/json': 'application/json',
  'text/html; charset=utf-8': 'text/html',
  'text/plain': 'text/plain',
  'application/octet-stream': 'application/octet-stream',
};

/** The media type of a `Content-Type` header in lowercase, without parameters: `text/html; charset=utf-8` → `text/html`. */
export function mediaTypeOf(contentType: string | null | undefined): string | undefined {
  if (contentType == null) return undefined;
  const common = COMMON_MEDIA[contentType];
  if (common !== undefined) return common;
  const media = contentType.split(';', 1)[0]?.trim().toLowerCase();
  return media === '' ? undefined : media;
}

/** The `charset` parameter of a `Content-Type` header in lowercase, if it has one. */
export function charsetOf(contentType: string | null | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match?.[1]?.toLowerCase();
}
