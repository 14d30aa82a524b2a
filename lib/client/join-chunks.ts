const EMPTY = new Uint8Array(0);

/**
 * The chunks of an answer's body as one plain `Uint8Array` of its own. Always a copy: a view on a
 * chunk would keep the socket's whole read buffer alive as long as the caller keeps the payload.
 */
export function joinChunks(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (size === 0) return EMPTY;
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
