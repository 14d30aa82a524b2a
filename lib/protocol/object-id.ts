/**
 * Creates a generator of MongoDB-style ObjectIds as 24 lowercase hex characters: 4 bytes of
 * seconds since the epoch, 5 random bytes fixed per generator, and a 3-byte counter. Ids from one
 * generator sort in creation order within a second and never repeat within 16,777,216 per second.
 * The server and the memory queue of `scirocco-rx/testing` both make their ids with it; it needs
 * only `crypto.getRandomValues`, which Node and browsers have.
 */
export function createObjectIdGenerator(clock: () => number = Date.now): () => string {
  const random = crypto.getRandomValues(new Uint8Array(8));
  const machine = [...random.subarray(0, 5)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  let counter = ((random[5] ?? 0) << 16) | ((random[6] ?? 0) << 8) | (random[7] ?? 0);
  return () => {
    counter = (counter + 1) % 0x1000000;
    const seconds = Math.floor(clock() / 1000) >>> 0;
    return seconds.toString(16).padStart(8, '0') + machine + counter.toString(16).padStart(6, '0');
  };
}
