import { describe, expect, it } from 'vitest';
import { batchCalls, type BatchCallsOptions } from '../../lib/server/batch-calls.js';

/** A batcher that records its batches and doubles each number (and refuses negative ones). */
function recorded(options: Partial<BatchCallsOptions<number, number>> = {}) {
  const batches: number[][] = [];
  const call = batchCalls<number, number>({
    maxBatch: 100,
    maxInFlight: 1,
    run: (items) => {
      batches.push([...items]);
      return items.map((n) =>
        n < 0
          ? { status: 'rejected', reason: new RangeError(`${String(n)} < 0`) }
          : { status: 'fulfilled', value: 2 * n },
      );
    },
    ...options,
  });
  return { call, batches };
}

describe('batchCalls', () => {
  it('runs the calls of one turn as one batch, and a lone call alone', async () => {
    const { call, batches } = recorded();
    expect(await Promise.all([call(1), call(2), call(3)])).toEqual([2, 4, 6]);
    expect(await call(4)).toBe(8);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('settles each call with its own outcome', async () => {
    const { call, batches } = recorded();
    const outcomes = await Promise.allSettled([call(1), call(-1), call(2)]);
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'rejected', reason: new RangeError('-1 < 0') },
      { status: 'fulfilled', value: 4 },
    ]);
    expect(batches).toEqual([[1, -1, 2]]);
  });

  it('fails every call of a batch whose run throws', async () => {
    const call = batchCalls<number, number>({
      maxBatch: 10,
      maxInFlight: 1,
      run: () => {
        throw new Error('disk full');
      },
    });
    const outcomes = await Promise.allSettled([call(1), call(2)]);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: new Error('disk full') },
      { status: 'rejected', reason: new Error('disk full') },
    ]);
  });

  it('fails a call that its batch gives no outcome', async () => {
    const call = batchCalls<number, number>({
      maxBatch: 10,
      maxInFlight: 1,
      run: () => [{ status: 'fulfilled', value: 0 }],
    });
    const outcomes = await Promise.allSettled([call(1), call(2)]);
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: 0 },
      { status: 'rejected', reason: new Error('batch: no outcome for call 1') },
    ]);
  });

  it('gathers the calls made while batches run into the next batch, up to maxInFlight at once', async () => {
    const batches: number[][] = [];
    const release: (() => void)[] = [];
    let running = 0;
    let mostRunning = 0;
    const call = batchCalls<number, number>({
      maxBatch: 100,
      maxInFlight: 2,
      run: async (items) => {
        batches.push([...items]);
        mostRunning = Math.max(mostRunning, ++running);
        await new Promise<void>((resolve) => release.push(resolve));
        running--;
        return items.map((value) => ({ status: 'fulfilled', value }));
      },
    });
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const first = call(1);
    await turn();
    const second = call(2);
    await turn();
    const waiting = [call(3), call(4), call(5)];
    await turn();
    expect(batches).toEqual([[1], [2]]); // two running: 3, 4 and 5 wait
    release.shift()?.();
    expect(await first).toBe(1);
    await turn(); // the batch ends
    await turn(); // the next one starts
    expect(batches).toEqual([[1], [2], [3, 4, 5]]);
    while (release.length > 0) {
      release.shift()?.();
      await turn();
    }
    expect(await Promise.all([second, ...waiting])).toEqual([2, 3, 4, 5]);
    expect(mostRunning).toBe(2);
  });

  it('splits at maxBatch, in the order of the calls', async () => {
    const { call, batches } = recorded({ maxBatch: 2 });
    expect(await Promise.all([1, 2, 3, 4, 5].map(call))).toEqual([2, 4, 6, 8, 10]);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('never puts two calls of one key in a batch', async () => {
    const { call, batches } = recorded({ key: (n) => String(n % 2) });
    expect(await Promise.all([1, 3, 2, 5, 4].map(call))).toEqual([2, 6, 4, 10, 8]);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });
});
