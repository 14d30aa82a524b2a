/**
 * A version that grows with every change a server makes to its queue (a push, a claim, an ack, a
 * nack, an update, a delete, a sweep), and the requests that wait for the next one: the base of
 * the summary extension's `?since=VERSION&wait=MS`, which a console uses to show the queue live
 * without polling it. Changes made by another server on the same store are not seen: a wait then
 * ends at its time.
 */
export interface QueueChanges {
  /** The current version: 0 at start, one more with each change. */
  readonly version: number;
  /** The queue changed: the version grows, and every wait for a later version ends. */
  changed(): void;
  /**
   * Resolves once the version is past `since`, `ms` later at the most, or when `signal` aborts
   * (the client went away) or the changes are closed. Resolves at once when it is already past.
   */
  after(since: number, ms: number, signal?: AbortSignal): Promise<void>;
  /** Ends every wait; later ones end at once. */
  close(): void;
}

/**
 * Creates the change version of one server.
 *
 * @example
 * ```ts
 * import { createQueueChanges } from 'scirocco-rx/server';
 *
 * const changes = createQueueChanges();
 * const next = changes.after(changes.version, 20_000);
 * changes.changed();
 * await next; // ended by the change, not by the 20 s
 * console.log(changes.version); // 1
 * ```
 */
export function createQueueChanges(): QueueChanges {
  let version = 0;
  let closed = false;
  const waiting = new Set<() => void>();
  const endAll = () => {
    for (const end of [...waiting]) end();
  };
  return {
    get version() {
      return version;
    },
    changed() {
      version++;
      if (waiting.size > 0) endAll();
    },
    after(since, ms, signal) {
      if (closed || version > since || ms <= 0 || signal?.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const end = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', end);
          waiting.delete(end);
          resolve();
        };
        const timer = setTimeout(end, ms);
        signal?.addEventListener('abort', end);
        waiting.add(end);
      });
    },
    close() {
      closed = true;
      endAll();
    },
  };
}
