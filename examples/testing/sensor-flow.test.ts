// A marble test of a whole flow — producer, queue, consumer — in virtual time, with no HTTP.
// The test suite runs it.
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ackOnComplete } from 'scirocco-rx';
import { createMemoryQueue } from 'scirocco-rx/testing';
import { expect, it } from 'vitest';

it('shows each reading a poll after it was pushed', () => {
  const testScheduler = new TestScheduler((actual, expected) => {
    expect(actual).toEqual(expected);
  });
  testScheduler.run(({ cold, expectObservable }) => {
    const queue = createMemoryQueue();
    const sensor = queue.client({ node: 'a1' });
    const dashboard = queue.client({ node: 'b2' });

    sensor.pushFrom(cold('a 9ms b|', { a: { celsius: 20 }, b: { celsius: 21 } }), { to: 'b2' }).subscribe();

    const shown = dashboard.pull$<{ celsius: number }>({ interval: 5 }).pipe(
      ackOnComplete((message) => `${message.payload.celsius} °C`),
      map((outcome) => (outcome.status === 'acked' ? outcome.result : 'failed')),
    );
    // a is found by the first poll, at 0; b, pushed at 10, by the poll at 10 (0, 5, 10, …)
    expectObservable(shown, '^ 30ms !').toBe('a 9ms b', { a: '20 °C', b: '21 °C' });
  });
});
