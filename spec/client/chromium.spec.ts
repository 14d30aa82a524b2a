import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { hasChromium, launchChromium, needChromium } from '../support/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../lib/server/index.js';
import { built, ROOT } from '../support/dist.js';

/**
 * The browser build in real headless Chromium, on a page whose origin is not the queue server's
 * (another port): what CORS, the preflight cache and the fetch transport do there can only be
 * seen in a browser.
 */
const TOKEN = 'S3CRET-TOKEN';

/** The page's script: the package's browser build, exposing two scenarios to the test. */
const PAGE_SCRIPT = `
import { Subject, lastValueFrom, toArray } from 'rxjs';
import { ackOnComplete, createClient } from 'scirocco-rx';

/**
 * Pushes three readings and consumes them with pull$ + ackOnComplete: long polling (the default)
 * stops 200 ms after the three are handled, ending the wait of the pull after them; plain polling
 * after three empty polls.
 */
async function consume(url, token, longPoll) {
  const client = createClient({ url, node: 'b2', token });
  const ids = [];
  for (const n of [1, 2, 3]) {
    const pushed = await client.push('b2', { n }, { payloadType: 'reading' });
    if (pushed.isErr()) throw new Error(pushed.error.message);
    ids.push(pushed.value.metadata.id);
  }
  const stop = new Subject();
  let empties = 0;
  const onEvent = (event) => {
    if (event.type === 'empty' && ++empties === 3) stop.next();
  };
  const handled = [];
  const started = performance.now();
  const outcomes = await lastValueFrom(
    client
      .pull$({ interval: 10, stop, onEvent, ...(longPoll ? {} : { longPoll: false }) })
      .pipe(
        ackOnComplete((message) => {
          handled.push(message.payload);
          // Stopped while the next pull waits on the server.
          if (longPoll && handled.length === 3) setTimeout(() => stop.next(), 200);
        }),
        toArray(),
      ),
  );
  return {
    ids,
    handled,
    ms: performance.now() - started,
    outcomes: outcomes.map((outcome) => ({ status: outcome.status, metadata: outcome.message.metadata })),
  };
}

/** A push, then a pull$ until its first backoff, against a server that refuses this origin. */
async function refused(url, token) {
  const client = createClient({ url, node: 'b2', token });
  const pushed = await client.push('b2', { n: 1 });
  const push = pushed.isErr()
    ? { kind: pushed.error.kind, retryable: pushed.error.retryable, message: pushed.error.message, text: String(pushed.error), json: JSON.stringify(pushed.error) }
    : undefined;
  const events = await new Promise((resolve) => {
    const seen = [];
    const subscription = client.pull$({ backoff: { initial: 5, max: 5 } }).subscribe();
    client.events$.subscribe((event) => {
      seen.push({ type: event.type, operation: event.operation, message: event.error?.message });
      if (event.type === 'backing-off') {
        subscription.unsubscribe();
        resolve(seen);
      }
    });
  });
  return { push, events };
}

window.scirocco = { consume, refused };
`;

interface LogLine {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

/** A queue server on port 0 whose request log the test reads. */
async function queueServer(cors?: readonly string[]) {
  const lines: LogLine[] = [];
  const server: RunningServer = await startServer({
    port: 0,
    token: TOKEN,
    ...(cors === undefined ? {} : { cors }),
    log: (line) => {
      const [, method = '', path = '', status = ''] = line.split(' ');
      lines.push({ method, path, status: Number(status) });
    },
  });
  return { server, lines };
}

/** Serves the page and its bundle on 127.0.0.1, port 0: an origin of its own. */
async function pageServer(bundle: string): Promise<{ server: Server; origin: string }> {
  const html =
    '<!doctype html><meta charset="utf-8"><title>scirocco-rx</title><script type="module" src="/app.js"></script>';
  const server = createServer((req, res) => {
    if (req.url === '/app.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' });
      res.end(bundle);
    } else if (req.url === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(html);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

needChromium('the browser tests');

describe.skipIf(!hasChromium)('the browser build in headless Chromium, across origins', () => {
  let browser: Browser;
  let site: { server: Server; origin: string };

  beforeAll(async () => {
    built('browser.js');
    const bundled = await build({
      stdin: { contents: PAGE_SCRIPT, resolveDir: ROOT, loader: 'js' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    site = await pageServer(bundled.outputFiles[0]!.text);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    // Guarded: when the set-up failed, its own error is the one to see.
    await (browser as Browser | undefined)?.close();
    await new Promise(
      (resolve) => (site as typeof site | undefined)?.server.close(resolve) ?? resolve(undefined),
    );
  });

  /** A fresh page (its own preflight and HTTP caches), with its console kept. */
  async function openPage(): Promise<{ page: Page; console: string[]; close: () => Promise<void> }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const console: string[] = [];
    page.on('console', (message) => console.push(message.text()));
    await page.goto(`${site.origin}/`);
    await page.waitForFunction(() => 'scirocco' in window);
    return { page, console, close: () => context.close() };
  }

  /** Runs the page's consume against a server that allows the page's origin. */
  async function consumeInPage(longPoll: boolean) {
    const queue = await queueServer([site.origin]);
    const { page, close } = await openPage();
    try {
      const run = await page.evaluate(
        ([url, token, waits]) =>
          (
            window as unknown as {
              scirocco: {
                consume(
                  url: string,
                  token: string,
                  longPoll: boolean,
                ): Promise<{
                  ids: string[];
                  handled: unknown[];
                  ms: number;
                  outcomes: { status: string; metadata: Record<string, unknown> }[];
                }>;
              };
            }
          ).scirocco.consume(url, token, waits),
        [queue.server.url, TOKEN, longPoll] as const,
      );
      expect(run.handled).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      expect(run.outcomes.map((outcome) => outcome.status)).toEqual(['acked', 'acked', 'acked']);
      expect(run.outcomes.map((outcome) => outcome.metadata.id)).toEqual(run.ids);
      for (const { metadata } of run.outcomes) {
        // every Scirocco-* header the pull answer carried was readable across origins
        expect(metadata).toMatchObject({
          nodeSource: 'b2',
          nodeDestination: 'b2',
          payloadType: 'reading',
          status: 'processing',
          tries: 1,
        });
        expect(metadata.createdTime).toBeInstanceOf(Date);
        expect(metadata.processingTime).toBeInstanceOf(Date);
      }
      return { run, lines: queue.lines };
    } finally {
      await close();
      await queue.server.close();
    }
  }

  const lined = (lines: LogLine[], method: string, path: string | RegExp) =>
    lines.filter(
      (line) =>
        line.method === method && (typeof path === 'string' ? line.path === path : path.test(line.path)),
    );

  it('pushes, pulls with pull$ + ackOnComplete and reads the metadata, one preflight for every poll', async () => {
    const { run, lines } = await consumeInPage(false);
    // 3 pushes, 3 pulls that brought a message and at least 3 empty ones
    expect(lined(lines, 'POST', '/messageQueue')).toHaveLength(3);
    const pulls = lined(lines, 'GET', '/messageQueue');
    expect(pulls.length).toBeGreaterThanOrEqual(6);
    expect(pulls.every((line) => line.status === 200 || line.status === 204)).toBe(true);
    // The preflight cache is per URL: /messageQueue costs one preflight, each ack URL one, and
    // the look-up of the extensions (at the first ack, which could go in a batch) one.
    const preflights = lines.filter((line) => line.method === 'OPTIONS');
    expect(preflights.map((line) => line.path).sort()).toEqual(
      ['/', '/messageQueue', ...run.ids.map((id) => `/messageQueue/${id}/ack`)].sort(),
    );
  });

  it('long polls by default: one preflight for every wait, and a stop ends the wait at once', async () => {
    const { run, lines } = await consumeInPage(true);
    // Asked once what the server offers, then pulls that wait: one URL, one preflight.
    expect(lined(lines, 'GET', '/')).toHaveLength(1);
    const waits = lined(lines, 'GET', /^\/messageQueue\?wait=20000$/);
    expect(waits.length).toBeGreaterThanOrEqual(3);
    // The stop ended the wait it met (a 204), far sooner than the wait's 20 s.
    expect(lined(lines, 'DELETE', /^\/messageQueue\/wait\/[0-9a-f]{32}$/).map((line) => line.status)).toEqual(
      [204],
    );
    expect(run.ms).toBeLessThan(10_000);
    const preflights = lines.filter((line) => line.method === 'OPTIONS').map((line) => line.path);
    expect(preflights.filter((path) => path === '/messageQueue?wait=20000')).toHaveLength(1);
    expect(preflights.filter((path) => path === '/')).toHaveLength(1);
  });

  it('reports a server that does not allow the origin: the error names CORS, pull$ says cors-suspected', async () => {
    const queue = await queueServer();
    const { page, console, close } = await openPage();
    try {
      const run = await page.evaluate(
        ([url, token]) =>
          (
            window as unknown as {
              scirocco: {
                refused(
                  url: string,
                  token: string,
                ): Promise<{
                  push?: { kind: string; retryable: boolean; message: string; text: string; json: string };
                  events: { type: string; operation?: string; message?: string }[];
                }>;
              };
            }
          ).scirocco.refused(url, token),
        [queue.server.url, TOKEN] as const,
      );
      const target = queue.server.url.replace(/\/$/, '');
      const why =
        `Failed to fetch (a cross-origin request from ${site.origin} to ${target}: if the server is up, ` +
        `it likely does not allow this origin by CORS; scirocco serve --cors ${site.origin} allows it)`;
      expect(run.push).toMatchObject({
        kind: 'network',
        retryable: true,
        message: `push POST /messageQueue: ${why}`,
      });
      expect(run.events).toEqual([
        { type: 'cors-suspected', operation: 'pull', message: `pull GET /messageQueue: ${why}` },
        { type: 'backing-off', operation: 'pull', message: `pull GET /messageQueue: ${why}` },
      ]);
      for (const form of [run.push!.message, run.push!.text, run.push!.json])
        expect(form).not.toContain(TOKEN);
      // The browser refused the preflights (403 without CORS headers) and said why on its console.
      expect(queue.lines.filter((line) => line.method === 'OPTIONS').map((line) => line.status)).toContain(
        403,
      );
      await expect.poll(() => console.some((text) => text.includes('CORS policy'))).toBe(true);
    } finally {
      await close();
      await queue.server.close();
    }
  });
});
