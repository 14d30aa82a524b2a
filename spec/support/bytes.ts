/** Compares bytes natively: vitest's deep equality walks a large Uint8Array element by element. */
export function sameBytes(actual: unknown, expected: Uint8Array): boolean {
  return (
    actual instanceof Uint8Array &&
    Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(
      Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength),
    )
  );
}
