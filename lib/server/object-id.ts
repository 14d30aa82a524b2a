import { randomBytes } from 'node:crypto';

/**
 * Creates a generator of MongoDB-style ObjectIds as 24 lowercase hex characters: 4 bytes of
 * seconds since the epoch, 5 random bytes fixed per generator, and a 3-byte counter. Ids from one
 * generator sort in creation order within a second and never repeat within 16,777,216 per second.
 */
export function createObjectIdGenerator(clock: () => number = Date.now): () => string {
  const machine = randomBytes(5).toString('hex');
  let counter = randomBytes(3).readUIntBE(0, 3);
  return () => {
    counter = (counter + 1) % 0x1000000;
    const seconds = Math.floor(clock() / 1000) >>> 0;
    return seconds.toString(16).padStart(8, '0') + machine + counter.toString(16).padStart(6, '0');
  };
}
