import { concat, defer, EMPTY, ignoreElements, map, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { mergeInSlots } from '../../lib/rx/merge-in-slots.js';
import { testScheduler } from '../support/marbles.js';

/** An inner stream: `work` frames holding the slot, then released, then `after` frames to end. */
const inner = (value: string, work: number, after: number, release: () => void) =>
  concat(
    timer(work).pipe(ignoreElements()),
    defer(() => {
      release();
      return timer(after).pipe(map(() => value));
    }),
  );

describe('mergeInSlots', () => {
  it('starts the next value once a slot is released, while the released one runs on', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('(abc|)');
      const result = source.pipe(mergeInSlots((value, release) => inner(value, 2, 3, release), 1));
      // a holds the slot 0-2 and ends at 5; b holds it 2-4, ends at 7; c 4-6, ends at 9.
      expectObservable(result).toBe('-----a-b-(c|)');
    });
  });

  it('gives a slot back when its inner stream ends without a release, as mergeMap', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('(ab|)');
      const result = source.pipe(mergeInSlots((value) => timer(2).pipe(map(() => value)), 1));
      expectObservable(result).toBe('--a-(b|)');
    });
  });

  it('counts a release once, however often it is called', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, flush }) => {
      const starts: string[] = [];
      const result = cold('(abc|)').pipe(
        mergeInSlots(
          (value, release) =>
            defer(() => {
              starts.push(`${String(scheduler.now())}: ${value}`);
              return inner(value, 2, 3, () => {
                release();
                release();
              });
            }),
          1,
        ),
      );
      result.subscribe();
      flush();
      expect(starts).toEqual(['0: a', '2: b', '4: c']);
    });
  });

  it('unsubscribes the running inner streams on unsubscribe, and starts none waiting', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = cold('----x|');
      const b = cold('--y|');
      const result = cold('(ab|)').pipe(mergeInSlots((value) => (value === 'a' ? a : b), 1));
      expectObservable(result, '^-!').toBe('---');
      expectSubscriptions(a.subscriptions).toBe('^-!');
      expectSubscriptions(b.subscriptions).toBe([]);
    });
  });

  it('fails with the first inner failure, and with the source failure', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const failing = cold('(ab|)').pipe(
        mergeInSlots((value) => (value === 'a' ? cold('-#') : cold('--z|')), 2),
      );
      expectObservable(failing).toBe('-#');
      const broken = cold('a-#').pipe(mergeInSlots(() => cold('----z|'), 1));
      expectObservable(broken).toBe('--#');
    });
  });

  it('completes at once for an empty source', () => {
    testScheduler().run(({ expectObservable }) => {
      expectObservable(EMPTY.pipe(mergeInSlots(() => EMPTY, 1))).toBe('|');
    });
  });
});
