import type { Result } from 'ts-results-es';
import type { MessageMetadata } from './message-metadata.js';
import { readMetadata } from './metadata-fields.js';

/**
 * Reads the metadata of a single-message answer from its `Scirocco-*` headers. Dates may be in
 * `Date.toString()` form (the original server) or ISO 8601; a header that is absent means the
 * field is null. `Scirocco-Id`, `-Node-Source`, `-Node-Destination`, `-Status`, `-Tries`,
 * `-Payload-Type` and `-Created-Time` are required.
 *
 * @param header - reads one header by name, case-insensitively (`(name) => headers.get(name)`
 *   for fetch, `(name) => response.headers[name.toLowerCase()]` for Node); it is asked for the
 *   lowercase names.
 * @returns the metadata, or the exact reason the headers break the protocol.
 *
 * @example
 * ```ts
 * import { metadataFromHeaders } from 'scirocco-rx';
 *
 * const response = await fetch('http://localhost:8000/messageQueue', {
 *   headers: { Authorization: 'DEFAULT_TOKEN', 'Scirocco-Node-Source': 'af123' },
 *   cache: 'no-store',
 * });
 * if (response.status === 200) {
 *   const metadata = metadataFromHeaders((name) => response.headers.get(name)).unwrap();
 *   console.log(metadata.id, metadata.tries, metadata.createdTime.toISOString());
 * }
 * ```
 */
export function metadataFromHeaders(
  header: (name: string) => string | string[] | null | undefined,
): Result<MessageMetadata, string> {
  return readMetadata(
    (spec) => {
      const value = header(spec.headerKey);
      return Array.isArray(value) ? value[0] : value;
    },
    (spec) => `header ${spec.header}`,
  );
}
