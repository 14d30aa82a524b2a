// Scheduling in virtual time: the memory queue's clock is the scheduler's, which starts at 0.
// The test suite runs it.
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createMemoryQueue } from 'scirocco-rx/testing';
import { expect, it } from 'vitest';

it('delivers a message scheduled 10 frames ahead at frame 10', () => {
  const testScheduler = new TestScheduler((actual, expected) => {
    expect(actual).toEqual(expected);
  });
  testScheduler.run(({ expectObservable }) => {
    const queue = createMemoryQueue();
    const node = queue.client({ node: 'a1' });
    // Not Date.now() + 10: inside run() the clock starts at 0 (1970), so that is decades away.
    const scheduledAt = new Date(testScheduler.now() + 10); // or queue.now().getTime() + 10
    node.push$('a1', 'wake up', { scheduledAt }).subscribe();
    const payloads = node.pull$({ interval: 5 }).pipe(map((message) => message.payload));
    expectObservable(payloads, '^ 20ms !').toBe('10ms a', { a: 'wake up' });
  });
});
