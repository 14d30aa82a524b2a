/** Options of {@link batchCalls}. */
export interface BatchCallsOptions<I, O> {
  /**
   * Runs one batch, and gives one outcome per item, in the items' order. A throw or a rejection
   * fails every item of the batch with that error.
   */
  readonly run: (
    items: readonly I[],
  ) => readonly PromiseSettledResult<O>[] | Promise<readonly PromiseSettledResult<O>[]>;
  /** Most items in one batch. */
  readonly maxBatch: number;
  /** Most batches running at once; the calls made meanwhile wait and form the next batch. */
  readonly maxInFlight: number;
  /**
   * Items with one key never share a batch (such as two acks of one message): the later one
   * waits for the next batch.
   */
  readonly key?: (item: I) => string;
}

interface Waiting<I, O> {
  readonly item: I;
  readonly resolve: (value: O) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: gives a function whose calls are run in batches. The calls made in one turn of
 * the event loop (the requests read together) form a batch, run on the next turn; while
 * `maxInFlight` batches run, further calls wait and form the next one. A batch of many costs a
 * store one commit (and one disk flush) instead of one per call, and a lone call waits one turn
 * only.
 *
 * @example
 * ```ts
 * const double = batchCalls<number, number>({
 *   maxBatch: 100,
 *   maxInFlight: 1,
 *   run: (items) => items.map((n) => ({ status: 'fulfilled', value: n * 2 })),
 * });
 * const [a, b] = await Promise.all([double(1), double(2)]); // one batch: [1, 2]
 * ```
 */
export function batchCalls<I, O>(options: BatchCallsOptions<I, O>): (item: I) => Promise<O> {
  const queue: Waiting<I, O>[] = [];
  let inFlight = 0;
  let scheduled = false;

  const schedule = () => {
    if (scheduled || inFlight >= options.maxInFlight || queue.length === 0) return;
    scheduled = true;
    setImmediate(flush);
  };

  /** Takes the next batch off the queue: at most `maxBatch` items, no key twice. */
  const take = (): Waiting<I, O>[] => {
    if (!options.key) return queue.splice(0, options.maxBatch);
    const keys = new Set<string>();
    const batch: Waiting<I, O>[] = [];
    const later: Waiting<I, O>[] = [];
    for (const waiting of queue.splice(0)) {
      const key = options.key(waiting.item);
      if (batch.length >= options.maxBatch || keys.has(key)) later.push(waiting);
      else {
        keys.add(key);
        batch.push(waiting);
      }
    }
    queue.push(...later);
    return batch;
  };

  const runBatch = async (batch: readonly Waiting<I, O>[]) => {
    try {
      const outcomes = await options.run(batch.map((waiting) => waiting.item));
      batch.forEach((waiting, n) => {
        const outcome = outcomes[n];
        if (outcome === undefined) waiting.reject(new Error(`batch: no outcome for call ${String(n)}`));
        else if (outcome.status === 'fulfilled') waiting.resolve(outcome.value);
        else waiting.reject(outcome.reason);
      });
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  };

  function flush() {
    scheduled = false;
    while (inFlight < options.maxInFlight && queue.length > 0) {
      inFlight++;
      void runBatch(take()).finally(() => {
        inFlight--;
        schedule();
      });
    }
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      schedule();
    });
}
