import type { MessageMetadata } from '../protocol/message-metadata.js';

/** At most this many copies are remembered: the oldest are forgotten first. */
const REMEMBERED = 10_000;

/**
 * Counts the deliveries of a message across the copies that requeue makes of it, within this
 * process: without nack (the plain protocol), a requeued copy is a new message with `tries` back
 * to 0, and only the process that requeued it knows its history. A message nacked back keeps its
 * id and `tries`, which count its deliveries already: nothing is remembered for it.
 *
 * @example
 * ```ts
 * const attempts = attemptCounter();
 * attempts.of(original.metadata); // 1: its first delivery
 * attempts.copied(copy.metadata, 1); // the copy carries one earlier delivery
 * attempts.of(copy.metadata); // 2, when the copy is delivered
 * ```
 */
export function attemptCounter() {
  const earlier = new Map<string, number>();
  return {
    /** The deliveries of a message, this one included. */
    of(metadata: MessageMetadata): number {
      const before = earlier.get(metadata.id) ?? 0;
      return before + Math.max(1, metadata.tries);
    },
    /** Remembers that `copy` follows `attempts` deliveries of the message it copies. */
    copied(copy: MessageMetadata, attempts: number): void {
      if (earlier.size >= REMEMBERED) earlier.delete(earlier.keys().next().value as string);
      earlier.set(copy.id, attempts);
    },
  };
}
