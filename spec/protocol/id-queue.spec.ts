import { describe, expect, it } from 'vitest';
import { IdQueue } from '../../lib/protocol/id-queue.js';

/** A queue over a set of live ids, counting how often it asks whether an id belongs. */
function queueOf(ids: readonly string[]) {
  const live = new Set(ids);
  let asked = 0;
  const queue = new IdQueue((id) => {
    asked++;
    return live.has(id);
  });
  for (const id of ids) queue.add(id);
  return { queue, live, asked: () => asked };
}

/** Claims the first id the queue visits for which `due` holds, as the store's pull does. */
function claim(queue: IdQueue, live: Set<string>, due: (id: string) => boolean): string | undefined {
  let claimed: string | undefined;
  queue.scan((id) => {
    if (!due(id)) return true;
    live.delete(id);
    claimed = id;
    return false;
  });
  return claimed;
}

describe('IdQueue', () => {
  it('visits the ids that still belong, oldest first, and stops when asked', () => {
    const { queue, live } = queueOf(['a', 'b', 'c', 'd']);
    live.delete('b');
    const visited: string[] = [];
    queue.scan((id) => {
      visited.push(id);
      return id !== 'c';
    });
    expect(visited).toEqual(['a', 'c']);
    expect(queue.live()).toEqual(['a', 'c', 'd']);
  });

  it('keeps the order of ids skipped over while later ones are claimed', () => {
    const { queue, live } = queueOf(['s1', 'p1', 's2', 'p2', 'p3']);
    const pending = (id: string) => id.startsWith('p');
    expect(claim(queue, live, pending)).toBe('p1');
    expect(claim(queue, live, pending)).toBe('p2');
    queue.add('p4');
    live.add('p4');
    expect(queue.live()).toEqual(['s1', 's2', 'p3', 'p4']);
    expect(claim(queue, live, () => true)).toBe('s1');
    expect(queue.live()).toEqual(['s2', 'p3', 'p4']);
  });

  it('is drained once every id was claimed', () => {
    const { queue, live } = queueOf(['a', 'b']);
    expect(queue.drained).toBe(false);
    claim(queue, live, () => true);
    claim(queue, live, () => true);
    expect(claim(queue, live, () => true)).toBeUndefined();
    expect(queue.drained).toBe(true);
  });

  it('claims n messages behind one that is not due in O(n) checks, not O(n²)', () => {
    const n = 20_000;
    const ids = ['scheduled', ...Array.from({ length: n }, (_, i) => `p${i}`)];
    const { queue, live, asked } = queueOf(ids);
    const claimed: string[] = [];
    for (let i = 0; i < n; i++) claimed.push(claim(queue, live, (id) => id !== 'scheduled') ?? '');
    expect(claimed).toEqual(ids.slice(1));
    expect(queue.live()).toEqual(['scheduled']);
    expect(asked()).toBeLessThan(10 * n);
  });
});
