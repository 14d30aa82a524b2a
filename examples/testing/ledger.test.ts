// Asserting the ledger of a flow in virtual time: every claimed message has one outcome, and
// nothing is left processing. The test suite runs it.
import { timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { flowLedger } from 'scirocco-rx';
import { createMemoryQueue } from 'scirocco-rx/testing';
import { expect, it } from 'vitest';

it('hands back what a stop leaves after its drain deadline, and says so', () => {
  new TestScheduler((actual, expected) => {
    expect(actual).toEqual(expected);
  }).run(({ flush }) => {
    const queue = createMemoryQueue();
    for (let n = 0; n < 6; n++) queue.client({ node: 'aa' }).push$('bb', { n }).subscribe();
    const ledger = flowLedger();
    queue
      .client({ node: 'bb' })
      .consume<{ n: number }>((message) => timer(message.payload.n < 2 ? 10 : 1_000), {
        concurrency: 4,
        stop: timer(5),
        drainTimeout: 50,
        onEvent: ledger.record,
      })
      .subscribe();
    flush();
    expect(ledger.counts()).toMatchObject({ claimed: 4, acked: 2, handedBack: 2, inFlight: 0 });
    const processing = queue.messages().filter((m) => m.metadata.status === 'processing');
    expect(processing).toEqual([]);
  });
});
