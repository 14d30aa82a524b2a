/** How a wait ended: woken (a message may be due), its time up, or the server closing. */
export type WaitEnd = 'due' | 'timeout' | 'closed';

/** One pull waiting for a message of its destination to become due. */
export interface DueWaiter {
  /** Resolves once, with how the wait ended. */
  readonly ended: Promise<WaitEnd>;
  /** Whether the wait has ended, woken or not. */
  readonly done: boolean;
  /** Ends the wait at once, as woken, after `ms` when a message of its destination is due then. */
  dueIn(ms: number): void;
  /** Gives up the wait (the client is gone, or the pull found messages): it ends as `timeout`. */
  cancel(): void;
}

/**
 * The pulls that wait for messages (long polling), by destination, oldest first. Whatever makes
 * a message due — a push, a nack, a processing timeout, another server on the same store — says
 * so with `notify`; a message scheduled for later moves the waiters' time to wake with `notifyAt`.
 * Nothing polls the store: a waiter costs a timer, and is woken only by what concerns it.
 */
export interface DueWaiters {
  /** Adds a pull of `destination` that waits `ms` at most. */
  add(destination: string, ms: number): DueWaiter;
  /** `count` messages of `destination` became due: wakes that many of its oldest waiters (all: `Infinity`). */
  notify(destination: string, count?: number): void;
  /** A message of `destination` becomes due in `ms`: its waiters wake then, unless woken before. */
  notifyAt(destination: string, ms: number): void;
  /** Messages of unknown destinations may have become due: wakes every waiter. */
  notifyAll(): void;
  /** Ends every wait as `closed`; later waits end so at once. */
  close(): void;
  /** How many pulls wait. */
  readonly size: number;
}

interface Waiter extends DueWaiter {
  end(how: WaitEnd): void;
}

/**
 * Creates the waiting pulls of one server: a FIFO per destination, so that one push wakes the
 * one pull that has waited longest (a woken pull that finds nothing — another claimed it first —
 * waits again at the back), never a herd.
 *
 * @example
 * ```ts
 * import { createDueWaiters } from 'scirocco-rx/server';
 *
 * const waiters = createDueWaiters();
 * const waiter = waiters.add('af123', 20_000);
 * waiters.notify('af123');
 * console.log(await waiter.ended); // 'due'
 * ```
 */
export function createDueWaiters(): DueWaiters {
  const byDestination = new Map<string, Set<Waiter>>();
  let size = 0;
  let closed = false;

  const remove = (destination: string, waiter: Waiter) => {
    const waiting = byDestination.get(destination);
    if (!waiting?.delete(waiter)) return;
    size--;
    if (waiting.size === 0) byDestination.delete(destination);
  };

  const add = (destination: string, ms: number): DueWaiter => {
    let resolve!: (how: WaitEnd) => void;
    const ended = new Promise<WaitEnd>((r) => {
      resolve = r;
    });
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let wakeAt = Infinity;
    const arm = (delay: number, how: WaitEnd) => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(
        () => {
          waiter.end(how);
        },
        Math.max(0, delay),
      );
    };
    const waiter: Waiter = {
      ended,
      get done() {
        return done;
      },
      end(how) {
        if (done) return;
        done = true;
        if (timer) clearTimeout(timer);
        remove(destination, waiter);
        resolve(how);
      },
      dueIn(delay) {
        const at = performance.now() + delay;
        if (done || at >= wakeAt) return;
        wakeAt = at;
        if (delay <= 0) waiter.end('due');
        else arm(delay, 'due');
      },
      cancel() {
        waiter.end('timeout');
      },
    };
    if (closed) {
      waiter.end('closed');
      return waiter;
    }
    wakeAt = performance.now() + ms;
    arm(ms, 'timeout');
    let waiting = byDestination.get(destination);
    if (!waiting) byDestination.set(destination, (waiting = new Set()));
    waiting.add(waiter);
    size++;
    return waiter;
  };

  return {
    add,
    notify(destination, count = 1) {
      const waiting = byDestination.get(destination);
      if (!waiting) return;
      let left = count;
      for (const waiter of [...waiting]) {
        if (left-- <= 0) break;
        waiter.end('due');
      }
    },
    notifyAt(destination, ms) {
      for (const waiter of byDestination.get(destination) ?? []) waiter.dueIn(ms);
    },
    notifyAll() {
      for (const waiting of [...byDestination.values()]) for (const waiter of [...waiting]) waiter.end('due');
    },
    close() {
      closed = true;
      for (const waiting of [...byDestination.values()]) {
        for (const waiter of [...waiting]) waiter.end('closed');
      }
    },
    get size() {
      return size;
    },
  };
}
