// Long polling in virtual time: with maxPullWaitMs the memory queue waits, as the server does,
// and wakes the waiting pull at the push. The test suite runs it.
import { map, timer, mergeMap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createMemoryQueue } from 'scirocco-rx/testing';
import { expect, it } from 'vitest';

it('hands a message pushed at 2500 ms to the waiting consumer at 2500 ms', () => {
  const testScheduler = new TestScheduler((actual, expected) => {
    expect(actual).toEqual(expected);
  });
  testScheduler.run(({ expectObservable }) => {
    const queue = createMemoryQueue({ maxPullWaitMs: 1_000 });
    timer(2_500)
      .pipe(mergeMap(() => queue.client({ node: 'a1' }).push$('b2', 'now')))
      .subscribe();
    // Without maxPullWaitMs the message would wait for the poll at 3000 ms.
    const payloads = queue
      .client({ node: 'b2' })
      .pull$({ interval: 1_000 })
      .pipe(map((m) => m.payload));
    expectObservable(payloads, '^ 3000ms !').toBe('2500ms a', { a: 'now' });
  });
});
