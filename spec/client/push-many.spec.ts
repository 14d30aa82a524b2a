import { firstValueFrom } from 'rxjs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Result } from 'ts-results-es';
import type { SciroccoMessage } from '../../lib/protocol/message-metadata.js';
import type { SciroccoError } from '../../lib/client/scirocco-error.js';
import type { PushManyMessage, SciroccoResult } from '../../lib/client/client-core.js';
import type { SciroccoClient } from '../../lib/rx/scirocco-client.js';
import { createMemoryQueue } from '../../lib/testing/create-memory-queue.js';
import { useLoggedServers } from '../support/logged-server.js';

const serve = useLoggedServers();

const outline = (outcomes: readonly Result<SciroccoMessage, SciroccoError>[]) =>
  outcomes.map((outcome) => (outcome.isOk() ? outcome.value.metadata.status : outcome.error.kind));

/** Every payload `consumer` can pull now, in order. */
async function drain(consumer: SciroccoClient): Promise<unknown[]> {
  const payloads: unknown[] = [];
  for (;;) {
    const pulled = (await consumer.pull()).unwrap();
    if (pulled.isNone()) return payloads;
    payloads.push(pulled.value.payload);
  }
}

const posts = (lines: readonly { method: string; path: string }[]) =>
  lines.filter((line) => line.method === 'POST').map((line) => line.path);

describe('client.pushMany: batch pushes', () => {
  it('pushes every kind of payload in one request, in order, each with its own outcome', async () => {
    const { lines, client } = await serve();
    const producer = client('aa');
    const at = new Date(Date.now() + 60_000);
    const outcomes = (
      await producer.pushMany<object | string>([
        { destination: 'bb', payload: { n: 1 } },
        { destination: 'bb', payload: 'two', payloadType: 'text-label' },
        { destination: 'bb', payload: new Uint8Array([0, 1, 255]) },
        { destination: 'bb', payload: [4], scheduledAt: at },
      ])
    ).unwrap();
    expect(outline(outcomes)).toEqual(['pending', 'pending', 'pending', 'scheduled']);
    const [json, text, bytes, later] = outcomes.map((outcome) => outcome.unwrap());
    expect(json?.payload).toEqual({ n: 1 });
    expect([text?.payload, text?.metadata.payloadType]).toEqual(['two', 'text-label']);
    expect(bytes?.payload).toEqual(new Uint8Array([0, 1, 255]));
    expect(later?.metadata.scheduledTime?.getTime()).toBe(at.getTime());
    expect(posts(lines)).toEqual(['/messageQueue/batch']);
    expect(await drain(client('bb'))).toEqual([{ n: 1 }, 'two', new Uint8Array([0, 1, 255])]);
  });

  it('splits a batch at the server’s most messages and bytes; a message too big goes alone', async () => {
    const { lines, client } = await serve({ limits: { maxListMessages: 2, batchKb: 1 } });
    const big = 'x'.repeat(2_000);
    const outcomes = (
      await client('aa').pushMany<object | string>([
        { destination: 'bb', payload: { n: 1 } },
        { destination: 'bb', payload: { n: 2 } },
        { destination: 'bb', payload: { n: 3 } },
        { destination: 'bb', payload: big },
        { destination: 'bb', payload: { n: 5 } },
        { destination: 'bb', payload: { n: 6, fill: 'y'.repeat(900) } },
      ])
    ).unwrap();
    expect(outline(outcomes)).toEqual(Array<string>(6).fill('pending'));
    expect(posts(lines)).toEqual([
      '/messageQueue/batch', // 1, 2
      '/messageQueue/batch', // 3
      '/messageQueue', // the big one, alone
      '/messageQueue/batch', // 5 (with 6 it would pass 1 kB)
      '/messageQueue/batch', // 6
    ]);
    const pulled = await drain(client('bb'));
    expect(
      pulled.map((payload) => (typeof payload === 'string' ? 'big' : (payload as { n: number }).n)),
    ).toEqual([1, 2, 3, 'big', 5, 6]);
  });

  it.each([
    ['a plain server', { plain: true }, false],
    ['a plain client', {}, true],
  ])('pushes one message per request, in order, against %s', async (_name, options, plainClient) => {
    const { lines, client } = await serve(options);
    const outcomes = (
      await client('aa', plainClient).pushMany([1, 2, 3].map((n) => ({ destination: 'bb', payload: { n } })))
    ).unwrap();
    expect(outline(outcomes)).toEqual(['pending', 'pending', 'pending']);
    expect(posts(lines)).toEqual(Array<string>(3).fill('/messageQueue'));
    expect(await drain(client('bb'))).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('gives a message the server refused its own error; the others are pushed', async () => {
    const { client } = await serve({ maxWaitingPerNode: 1 });
    const outcomes = (
      await client('aa').pushMany([
        { destination: 'bb', payload: { n: 1 } },
        { destination: 'bb', payload: { n: 2 } },
        { destination: 'cc', payload: { n: 3 } },
      ])
    ).unwrap();
    expect(outline(outcomes)).toEqual(['pending', 'queue-full', 'pending']);
    const refused = outcomes[1];
    expect(
      refused?.isErr() && [refused.error.status, refused.error.retryable, refused.error.operation],
    ).toEqual([507, true, 'pushMany']);
  });

  it.each([
    [[], 'messages must hold 1 or more messages, got none'],
    ['not a list', 'messages must be an array of messages, got "not a list"'],
    [
      [
        { destination: 'bb', payload: { n: 1 } },
        { destination: 'not hex', payload: { n: 2 } },
      ],
      'messages[1]: destination node id must be a non-empty hexadecimal string (0-9, a-f, A-F), got "not hex"',
    ],
    [[{ destination: 'bb', payload: '' }], 'messages[0]: payload must not be empty'],
    [[null], 'messages[0] must be an object { destination, payload }, got null'],
  ])('refuses %j before any request', async (messages, reason) => {
    const { lines, client } = await serve();
    const refused = await client('aa').pushMany(messages as PushManyMessage[]);
    expect(refused.isErr() && [refused.error.kind, refused.error.message]).toEqual([
      'invalid-argument',
      `pushMany: ${reason}`,
    ]);
    expect(lines).toEqual([]);
  });

  it('has an Observable twin, pushMany$, and the memory queue has both', async () => {
    const { client } = await serve();
    const outcomes = await firstValueFrom(client('aa').pushMany$([{ destination: 'bb', payload: 'one' }]));
    expect(outline(outcomes)).toEqual(['pending']);
    const queue = createMemoryQueue();
    const producer = queue.client({ node: 'aa' });
    const many = (
      await producer.pushMany([1, 2].map((n) => ({ destination: 'bb', payload: { n } })))
    ).unwrap();
    expect(outline(many)).toEqual(['pending', 'pending']);
    expect(outline(await firstValueFrom(producer.pushMany$([{ destination: 'bb', payload: 'x' }])))).toEqual([
      'pending',
    ]);
    expect(queue.messages().map((message) => message.payload)).toEqual([{ n: 1 }, { n: 2 }, 'x']);
    const refused = await producer.pushMany([]);
    expect(refused.isErr() && refused.error.message).toBe(
      'pushMany: messages must hold 1 or more messages, got none',
    );
  });

  it('has the types of its outcomes', () => {
    const json = (client: SciroccoClient) => client.pushMany([{ destination: 'bb', payload: { n: 1 } }]);
    expectTypeOf(json).returns.toEqualTypeOf<
      SciroccoResult<Result<SciroccoMessage<{ n: number }>, SciroccoError>[]>
    >();
    const bytes = (client: SciroccoClient) =>
      client.pushMany([{ destination: 'bb', payload: new Uint8Array(1) }]);
    expectTypeOf(bytes).returns.toEqualTypeOf<
      SciroccoResult<Result<SciroccoMessage<Uint8Array>, SciroccoError>[]>
    >();
  });
});
