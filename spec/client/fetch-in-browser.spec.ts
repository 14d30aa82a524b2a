import { inspect } from 'node:util';
import { firstValueFrom, of, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient } from '../../lib/create-client.browser.js';
import { fetchTransport } from '../../lib/client/fetch-transport.js';
import { TransportFailure } from '../../lib/client/transport.js';
import type { FlowEvent } from '../../lib/rx/flow-event.js';
import { useServer } from '../support/server.js';

const PAGE = 'http://localhost:4200';
const TOKEN = 'S3CRET-TOKEN';

/** Runs as if in a page of `origin` (what a browser or a worker has as `location`). */
const inPageOf = (origin: string) => {
  vi.stubGlobal('location', { origin, href: `${origin}/app/` });
};

/** A `fetch` that records each request's cache mode and sends it with Node's fetch. */
function recordingFetch() {
  const modes: (RequestCache | undefined)[] = [];
  const recorded: typeof globalThis.fetch = (input, init) => {
    modes.push(init?.cache);
    return fetch(input, { ...init, cache: undefined });
  };
  return { modes, fetch: recorded };
}

/** What fetch does in a browser when CORS refuses an answer, or the server is down. */
const refusedByBrowser: typeof globalThis.fetch = () => Promise.reject(new TypeError('Failed to fetch'));

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the fetch transport and the HTTP cache', () => {
  const srv = useServer();

  it('bypasses the cache outside a browser', async () => {
    const recording = recordingFetch();
    const transport = fetchTransport({ fetch: recording.fetch });
    const client = createClient({ url: srv.url, node: 'af123', token: 'DEFAULT_TOKEN', transport });
    expect((await client.pull()).isOk()).toBe(true);
    expect(recording.modes).toEqual(['no-store']);
  });

  it("bypasses the cache for the page's own origin, where no request needs a preflight", async () => {
    inPageOf(new URL(srv.url).origin);
    const recording = recordingFetch();
    const transport = fetchTransport({ fetch: recording.fetch });
    const client = createClient({ url: srv.url, node: 'af123', token: 'DEFAULT_TOKEN', transport });
    expect((await client.pull()).isOk()).toBe(true);
    expect(recording.modes).toEqual(['no-store']);
  });

  it('keeps the default cache mode across origins, which alone keeps the preflight cache', async () => {
    inPageOf(PAGE);
    const recording = recordingFetch();
    const transport = fetchTransport({ fetch: recording.fetch });
    const client = createClient({ url: srv.url, node: 'af123', token: 'DEFAULT_TOKEN', transport });
    expect((await client.push('af123', { n: 1 })).isOk()).toBe(true);
    expect((await client.pull()).isOk()).toBe(true);
    expect(recording.modes).toEqual(['default', 'default']);
  });

  it('tells a relative URL on the page from another origin', async () => {
    inPageOf(PAGE);
    const modes: (RequestCache | undefined)[] = [];
    const transport = fetchTransport({
      fetch: (_input, init) => {
        modes.push(init?.cache);
        return Promise.resolve(new Response(null, { status: 204 }));
      },
    });
    const client = createClient({ url: '/scirocco', node: 'af123', token: 'DEFAULT_TOKEN', transport });
    expect((await client.pull()).isOk()).toBe(true);
    expect(modes).toEqual(['no-store']);
  });
});

describe('a cross-origin request that gets no readable answer', () => {
  const client = () =>
    createClient({
      url: 'http://127.0.0.1:8000/',
      node: 'af123',
      token: TOKEN,
      transport: fetchTransport({ fetch: refusedByBrowser }),
    });

  it('is a retryable network error whose message names CORS as the likely cause, never the token', async () => {
    inPageOf(PAGE);
    const result = await client().pull();
    expect(result.isErr()).toBe(true);
    const error = result.unwrapErr();
    expect(error.kind).toBe('network');
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      'pull GET /messageQueue: Failed to fetch (a cross-origin request from http://localhost:4200 to ' +
        'http://127.0.0.1:8000: if the server is up, it likely does not allow this origin by CORS; ' +
        'scirocco serve --cors http://localhost:4200 allows it)',
    );
    expect(error.cause).toBeInstanceOf(TransportFailure);
    expect((error.cause as TransportFailure).likelyCause).toBe('cors');
    for (const form of [error.message, String(error), JSON.stringify(error), inspect(error, { depth: 5 })]) {
      expect(form).not.toContain(TOKEN);
    }
  });

  it("is a plain network error on the page's own origin", async () => {
    inPageOf('http://127.0.0.1:8000');
    const error = (await client().pull()).unwrapErr();
    expect(error.message).toBe('pull GET /messageQueue: Failed to fetch');
    expect((error.cause as TransportFailure).likelyCause).toBeUndefined();
  });

  it('and outside a browser', async () => {
    const error = (await client().pull()).unwrapErr();
    expect(error.message).toBe('pull GET /messageQueue: Failed to fetch');
  });

  it('makes pull$ report cors-suspected once, at the first failure of the run, then back off as before', async () => {
    inPageOf(PAGE);
    const events: FlowEvent[] = [];
    const seen = await new Promise<FlowEvent[]>((resolve) => {
      const subscription = client()
        .pull$({
          backoff: { initial: 1, max: 1 },
          onEvent: (event) => {
            events.push(event);
            if (events.filter((e) => e.type === 'backing-off').length === 3) {
              subscription.unsubscribe();
              resolve(events);
            }
          },
        })
        .subscribe();
    });
    expect(seen.map((event) => event.type)).toEqual([
      'cors-suspected',
      'backing-off',
      'retried',
      'backing-off',
      'retried',
      'backing-off',
    ]);
    const first = seen[0] as Extract<FlowEvent, { type: 'cors-suspected' }>;
    expect(first.operation).toBe('pull');
    expect(first.node).toBe('af123');
    expect(first.error.message).toContain('CORS');
  });

  it("reports cors-suspected on the client's events$ and for pushes, once per run", async () => {
    inPageOf(PAGE);
    const refused = client();
    const events = firstValueFrom(refused.events$.pipe(take(3), toArray()));
    refused.pushFrom(of({ n: 1 }), { to: 'af123', backoff: { initial: 1, max: 1, retries: 2 } }).subscribe({
      error: () => undefined,
    });
    expect((await events).map((event) => [event.type, 'operation' in event ? event.operation : ''])).toEqual([
      ['cors-suspected', 'push'],
      ['backing-off', 'push'],
      ['backing-off', 'push'],
    ]);
  });
});

describe('the server', () => {
  const srv = useServer({ cors: '*' });

  it('answers with Cache-Control: no-store, preflights included, so no browser stores a pull', async () => {
    const pulled = await fetch(`${srv.url}/messageQueue`, {
      headers: { Authorization: 'DEFAULT_TOKEN', 'Scirocco-Node-Source': 'af123' },
    });
    expect(pulled.status).toBe(204);
    expect(pulled.headers.get('cache-control')).toBe('no-store');
    expect(pulled.headers.get('etag')).toBeNull();
    expect(pulled.headers.get('last-modified')).toBeNull();
    const preflight = await fetch(`${srv.url}/messageQueue`, {
      method: 'OPTIONS',
      headers: { Origin: PAGE, 'Access-Control-Request-Method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-max-age')).toBe('600');
  });
});
