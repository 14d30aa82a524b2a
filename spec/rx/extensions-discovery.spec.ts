import { defer, map, throwError, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ackOnComplete } from '../../lib/rx/ack-on-complete.js';
import type { FlowEvent } from '../../lib/rx/flow-event.js';
import { pull$ } from '../../lib/rx/pull.js';
import type { QueueOps } from '../../lib/rx/queue-ops.js';
import type { ServerExtensions } from '../../lib/protocol/server-extensions.js';
import { createMemoryQueue } from '../../lib/testing/create-memory-queue.js';
import { networkError, testScheduler, withOps } from '../support/marbles.js';

type Reading = { n: number };

/** A consumer whose `extensions$` answers from `answers` in turn, counting its requests. */
function consumerWith(answers: (() => Observable<ServerExtensions>)[]) {
  const queue = createMemoryQueue();
  const fill = () => {
    for (let n = 0; n < 3; n++) queue.client({ node: 'aa' }).push$('bb', { n }).subscribe();
  };
  fill();
  const consumer = queue.client({ node: 'bb' });
  let asked = 0;
  const ops: QueueOps = withOps(consumer, {
    extensions$: () => defer(() => (answers[asked++] ?? answers.at(-1)!)()),
  });
  return { queue, ops, fill, asked: () => asked };
}

/** Fails every first delivery: three messages, three requeues, then three acks. */
function failOnce(ops: QueueOps, events: FlowEvent[]) {
  const failed = new Set<number>();
  return pull$<Reading>(ops, { maxMessages: 6, onEvent: (event) => events.push(event) }).pipe(
    ackOnComplete(
      (m) => {
        if (failed.has(m.payload.n)) return;
        failed.add(m.payload.n);
        throw new Error('once');
      },
      { concurrency: 3, onError: 'requeue', requeueDelay: { initial: 0 } },
    ),
    map((outcome) => outcome.status),
  );
}

const nackedBack = (events: FlowEvent[]) =>
  events.flatMap((e) => (e.type === 'requeued' ? [e.copy.id === e.message.id] : []));

describe('requeue: nack where the server has it, found once per stream', () => {
  it('asks the server once for a stream, however many messages it requeues, and nacks them all', () => {
    testScheduler().run(({ cold, flush }) => {
      const { queue, ops, asked } = consumerWith([() => cold('5ms (x|)', { x: { nack: true } })]);
      const events: FlowEvent[] = [];
      failOnce(ops, events).subscribe();
      flush();
      expect(asked()).toBe(1);
      expect(nackedBack(events)).toEqual([true, true, true]);
      expect(queue.messages().map((m) => [m.metadata.status, m.metadata.tries])).toEqual([
        ['processed', 2],
        ['processed', 2],
        ['processed', 2],
      ]);
    });
  });

  it('copies when the server does not offer nack, and keeps that answer too', () => {
    testScheduler().run(({ cold, flush }) => {
      const { queue, ops, asked } = consumerWith([() => cold('(x|)', { x: { nack: false } })]);
      const events: FlowEvent[] = [];
      failOnce(ops, events).subscribe();
      flush();
      expect(asked()).toBe(1);
      expect(nackedBack(events)).toEqual([false, false, false]);
      expect(queue.messages()).toHaveLength(6); // 3 originals and their 3 copies, all processed
    });
  });

  it('copies while the question fails, and asks again at the next requeue: only an answer is kept', () => {
    testScheduler().run(({ cold, flush }) => {
      const { ops, asked } = consumerWith([
        () => throwError(() => networkError()),
        () => cold('(x|)', { x: { nack: true } }),
      ]);
      const events: FlowEvent[] = [];
      const failed = new Set<number>();
      // One message at a time: the first requeue meets the failure, the next ones the answer
      // (pulls that never wait ask nothing).
      pull$<Reading>(ops, {
        maxMessages: 6,
        maxInFlight: 1,
        longPoll: false,
        onEvent: (event) => events.push(event),
      })
        .pipe(
          ackOnComplete(
            (m) => {
              if (failed.has(m.payload.n)) return;
              failed.add(m.payload.n);
              throw new Error('once');
            },
            { onError: 'requeue', requeueDelay: { initial: 0 } },
          ),
        )
        .subscribe();
      flush();
      expect(asked()).toBe(2);
      expect(nackedBack(events)).toEqual([false, true, true]);
    });
  });

  it('each subscription asks for itself', () => {
    testScheduler().run(({ cold, flush }) => {
      const { ops, fill, asked } = consumerWith([() => cold('(x|)', { x: { nack: true } })]);
      const events: FlowEvent[] = [];
      failOnce(ops, events).subscribe();
      flush();
      fill();
      failOnce(ops, events).subscribe();
      flush();
      expect(asked()).toBe(2);
    });
  });
});
