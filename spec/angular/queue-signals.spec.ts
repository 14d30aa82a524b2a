// The injectors of these tests come from createEnvironmentInjector, on the null injector as parent:
// Angular makes them without their class constructors, which this rule cannot see.
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment */
import {
  createEnvironmentInjector,
  DOCUMENT,
  Injector,
  NgZone,
  PLATFORM_ID,
  type EnvironmentInjector,
  type Provider,
  type Signal,
} from '@angular/core';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { queueSignals, type QueueSignals, type QueueState } from '../../lib/angular/queue-signals.js';
import { createClient } from '../../lib/create-client.js';
import type { SciroccoMessage } from '../../lib/protocol/message-metadata.js';
import { startServer, type RunningServer } from '../../lib/server/index.js';
import { until } from '../support/until.js';

const TOKEN = 'DEFAULT_TOKEN';

interface Reading {
  readonly celsius: number;
}

/** A page whose visibility the test sets, as a browser's `document` tells it. */
class FakeDocument extends EventTarget {
  visibilityState: DocumentVisibilityState = 'visible';
  show(state: DocumentVisibilityState) {
    this.visibilityState = state;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}

describe('queueSignals (scirocco-rx/angular), on real @angular/core', () => {
  let server: RunningServer;
  let pulls = 0;
  const injectors: EnvironmentInjector[] = [];
  const begin = async () => {
    pulls = 0;
    server = await startServer({
      port: 0,
      log: (line) => {
        if (/ GET \/messageQueue/.test(line)) pulls++;
      },
    });
  };
  const injector = (providers: Provider[]) => {
    const made = createEnvironmentInjector(providers, Injector.NULL as EnvironmentInjector);
    injectors.push(made);
    return made;
  };
  afterEach(async () => {
    for (const made of injectors.splice(0)) if (!made.destroyed) made.destroy();
    await server.close();
  });
  const client = (node = 'b2', url = server.url) => createClient({ url, node, token: TOKEN });

  it('consumes into signals: the last messages first, the counts, the state; stops when destroyed', async () => {
    await begin();
    for (const celsius of [20, 21, 22]) await client('a1').push('b2', { celsius });
    const made = injector([{ provide: PLATFORM_ID, useValue: 'browser' }]);
    const queue = queueSignals<Reading>({
      client: client(),
      pull: { interval: 10 },
      keep: 2,
      injector: made,
    });
    expectTypeOf(queue).toEqualTypeOf<QueueSignals<Reading>>();
    expectTypeOf(queue.messages).toEqualTypeOf<Signal<readonly SciroccoMessage<Reading>[]>>();
    expectTypeOf(queue.state).toEqualTypeOf<Signal<QueueState>>();
    await until(() => queue.counts().acked === 3, 'three acks');
    expect(queue.messages().map((message) => message.payload.celsius)).toEqual([22, 21]);
    expect(queue.counts()).toMatchObject({ claimed: 3, inFlight: 0, acked: 3 });
    expect(queue.state()).toBe('polling');
    made.destroy();
    expect(queue.state()).toBe('stopped');
    const seen = pulls;
    await client('a1').push('b2', { celsius: 23 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pulls - seen).toBeLessThanOrEqual(1); // at most the pull under way when it stopped
    expect((await client().list({ status: 'pending' })).unwrap()).toHaveLength(1); // left waiting
  });

  it('shows backing-off while the server cannot be reached, and the error that ends it', async () => {
    await begin();
    const down = client('b2', 'http://127.0.0.1:9');
    const queue = queueSignals({
      client: down,
      pull: { interval: 10, backoff: { initial: 20, max: 20 } },
      injector: injector([]),
    });
    await until(() => queue.state() === 'backing-off', 'backing off');
    const refused = queueSignals({
      client: createClient({ url: server.url, node: 'b2', token: 'WRONG' }),
      injector: injector([]),
    });
    await until(() => refused.state() === 'stopped', 'the refusal');
    expect(refused.error()).toMatchObject({ kind: 'auth' });
  });

  it('pauses while the page is hidden and goes on when it shows, unless told otherwise', async () => {
    await begin();
    const page = new FakeDocument();
    const made = injector([{ provide: DOCUMENT, useValue: page }]);
    const queue = queueSignals({ client: client(), pull: { interval: 10 }, injector: made });
    expect(queue.state()).toBe('polling');
    page.show('hidden');
    expect(queue.state()).toBe('paused');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await client('a1').push('b2', 'while hidden');
    const seen = pulls;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pulls - seen).toBe(0);
    expect(queue.counts().acked).toBe(0);
    page.show('visible');
    await until(() => queue.counts().acked === 1, 'the ack once shown');
    expect(queue.state()).toBe('polling');

    const always = queueSignals({
      client: client('c3'),
      pull: { interval: 10 },
      pauseWhenHidden: false,
      injector: made,
    });
    page.show('hidden');
    await client('a1').push('c3', 'hidden, handled anyway');
    await until(() => always.counts().acked === 1, 'the ack while hidden');
    expect(always.state()).toBe('polling');
  });

  it('stays polling when a run stopped at a pause ends after the next run started', async () => {
    await begin();
    const page = new FakeDocument();
    let handling = 0;
    const queue = queueSignals({
      client: client(),
      pull: { interval: 10 },
      handler: () => {
        handling++;
        return new Promise((resolve) => setTimeout(resolve, 150));
      },
      injector: injector([{ provide: DOCUMENT, useValue: page }]),
    });
    await client('a1').push('b2', 'slow');
    await until(() => handling === 1, 'the handler');
    page.show('hidden'); // the run drains: its handler has 150 ms to go
    page.show('visible'); // a new run starts at once
    expect(queue.state()).toBe('polling');
    await until(() => queue.counts().acked === 1, 'the drained ack');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(queue.state()).toBe('polling');
    await client('a1').push('b2', 'next');
    await until(() => queue.counts().acked === 2, 'the next run’s ack');
  });

  it('starts paused on a hidden page', async () => {
    await begin();
    const page = new FakeDocument();
    page.visibilityState = 'hidden';
    const queue = queueSignals({
      client: client(),
      injector: injector([{ provide: DOCUMENT, useValue: page }]),
    });
    expect(queue.state()).toBe('paused');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pulls).toBe(0);
  });

  it('never polls while rendering on a server', async () => {
    await begin();
    const queue = queueSignals({
      client: client(),
      injector: injector([{ provide: PLATFORM_ID, useValue: 'server' }]),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect([queue.state(), pulls]).toEqual(['stopped', 0]);
  });

  it('polls outside the Angular zone where there is one', async () => {
    await begin();
    let outside = 0;
    const zone = { runOutsideAngular: <T>(work: () => T): T => (outside++, work()) } as unknown as NgZone;
    const queue = queueSignals({
      client: client(),
      injector: injector([{ provide: NgZone, useValue: zone }]),
    });
    // The flow is subscribed outside the zone: its pulls, timers and answers run there.
    expect(outside).toBe(1);
    await client('a1').push('b2', 'x');
    await until(() => queue.counts().acked === 1, 'the ack');
    queue.stop();
    expect(queue.state()).toBe('stopped');
  });

  it('refuses a bad keep, and needs an injection context without an injector', () => {
    expect(() => queueSignals({ client: client('b2', 'http://127.0.0.1:9'), keep: -1 })).toThrow(
      'queueSignals: keep must be a whole number >= 0, got -1',
    );
    expect(() => queueSignals({ client: client('b2', 'http://127.0.0.1:9') })).toThrow(/injection context/);
  });
});
