import type { Option, Result } from 'ts-results-es';
import { describe, expectTypeOf, it } from 'vitest';
import type { ClientCore } from '../../lib/client/client-core.js';
import type { PayloadOf } from '../../lib/client/payload.js';
import type { SciroccoError, SciroccoErrorKind } from '../../lib/client/scirocco-error.js';
import type { MessageMetadata, SciroccoMessage } from '../../lib/protocol/message-metadata.js';
import { createClient, type SciroccoClient } from '../../lib/index.js';
import { createClient as createBrowserClient } from '../../lib/browser.js';

/** Type checks only: the body runs under tsc, never against a server. */
const typed = (check: (client: SciroccoClient) => void) => () => {
  expectTypeOf(check).parameter(0).toEqualTypeOf<SciroccoClient>();
};

describe('types', () => {
  it('maps pushed payloads to what comes back', () => {
    expectTypeOf<PayloadOf<{ a: number }>>().toEqualTypeOf<{ a: number }>();
    expectTypeOf<PayloadOf<number[]>>().toEqualTypeOf<number[]>();
    expectTypeOf<PayloadOf<'literal'>>().toEqualTypeOf<string>();
    expectTypeOf<PayloadOf<Buffer>>().toEqualTypeOf<Uint8Array>();
    expectTypeOf<PayloadOf<ArrayBuffer>>().toEqualTypeOf<Uint8Array>();
    expectTypeOf<PayloadOf<Uint16Array>>().toEqualTypeOf<Uint8Array>();
  });

  it(
    'types push by its payload',
    typed((client) => {
      expectTypeOf(client.push('af', { type: 'message' })).resolves.toEqualTypeOf<
        Result<SciroccoMessage<{ type: string }>, SciroccoError>
      >();
      expectTypeOf(client.push('af', 'text')).resolves.toEqualTypeOf<
        Result<SciroccoMessage<string>, SciroccoError>
      >();
      expectTypeOf(client.push('af', Buffer.from('x'))).resolves.toEqualTypeOf<
        Result<SciroccoMessage<Uint8Array>, SciroccoError>
      >();
      expectTypeOf(client.update('id', [1, 2])).resolves.toEqualTypeOf<
        Result<SciroccoMessage<number[]>, SciroccoError>
      >();
    }),
  );

  it(
    'types pull as an Option and the rest by the expected payload',
    typed((client) => {
      expectTypeOf(client.pull<{ n: number }>()).resolves.toEqualTypeOf<
        Result<Option<SciroccoMessage<{ n: number }>>, SciroccoError>
      >();
      expectTypeOf(client.pull()).resolves.toEqualTypeOf<Result<Option<SciroccoMessage>, SciroccoError>>();
      expectTypeOf(client.ack<string>('id')).resolves.toEqualTypeOf<
        Result<SciroccoMessage<string>, SciroccoError>
      >();
      expectTypeOf(client.get('id')).resolves.toEqualTypeOf<Result<SciroccoMessage, SciroccoError>>();
      expectTypeOf(client.list<Uint8Array>()).resolves.toEqualTypeOf<
        Result<SciroccoMessage<Uint8Array>[], SciroccoError>
      >();
      expectTypeOf(client.delete('id')).resolves.toEqualTypeOf<Result<number, SciroccoError>>();
      expectTypeOf(client.deleteAll()).resolves.toEqualTypeOf<Result<number, SciroccoError>>();
      expectTypeOf(client.wipe()).resolves.toEqualTypeOf<Result<number, SciroccoError>>();
    }),
  );

  it(
    'refuses payloads that are not objects, strings or bytes',
    typed((client) => {
      // @ts-expect-error numbers cannot be pushed
      void client.push('af', 42);
      // @ts-expect-error booleans cannot be pushed
      void client.push('af', true);
      // @ts-expect-error scheduledAt is a Date
      void client.push('af', 'x', { scheduledAt: '2030-01-01' });
    }),
  );

  it('gives metadata with Dates and a closed set of error kinds', () => {
    expectTypeOf<MessageMetadata['createdTime']>().toEqualTypeOf<Date>();
    expectTypeOf<MessageMetadata['processedTime']>().toEqualTypeOf<Date | undefined>();
    expectTypeOf<SciroccoError['kind']>().toEqualTypeOf<SciroccoErrorKind>();
    expectTypeOf<SciroccoErrorKind>().toEqualTypeOf<
      | 'invalid-argument'
      | 'auth'
      | 'not-found'
      | 'validation'
      | 'payload-too-large'
      | 'queue-full'
      | 'server'
      | 'network'
      | 'timeout'
      | 'protocol'
      | 'aborted'
    >();
  });

  it('gives both entry points the same client type', () => {
    expectTypeOf(createClient).returns.toEqualTypeOf<SciroccoClient>();
    expectTypeOf(createBrowserClient).returns.toEqualTypeOf<SciroccoClient>();
    expectTypeOf<SciroccoClient>().toExtend<ClientCore>();
  });
});
