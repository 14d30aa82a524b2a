import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { hasChromium, launchChromium, needChromium } from '../support/chromium.js';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../lib/create-client.js';
import { startServer, type RunningServer } from '../../lib/server/index.js';
import { built, ROOT } from '../support/dist.js';

/**
 * The web console of `scirocco serve --console` in real headless Chromium: it loads, shows the
 * counts the server has after pushes and acks, acts on a message after asking, refuses a wrong
 * token with a clear message, and is usable with a keyboard and on a phone's width.
 */
const TOKEN = 'S3CRET-TOKEN';
/** How long a live update may take: the console asks once a second, and CI machines are slow. */
const LIVE = { timeout: 10_000 };
/** `SCIROCCO_UPDATE_SCREENSHOT=1` writes the screenshot to docs/ (otherwise to a temporary directory). */
const UPDATE_SCREENSHOT = process.env.SCIROCCO_UPDATE_SCREENSHOT === '1';

needChromium('the console in Chromium');

describe('the console files', () => {
  it('are small: the script under 30 kB gzipped, the page and its style under 4 kB', () => {
    const script = gzipSync(readFileSync(built('console/console.js'))).byteLength;
    const page =
      gzipSync(readFileSync(built('console/index.html'))).byteLength +
      gzipSync(readFileSync(built('console/console.css'))).byteLength;
    expect(script).toBeLessThan(30 * 1024);
    expect(page).toBeLessThan(4 * 1024);
  });
});

describe.skipIf(!hasChromium)('the console in headless Chromium', () => {
  let browser: Browser;
  let server: RunningServer;
  let page: Page;
  const client = (node: string) => createClient({ url: server.url, node, token: TOKEN });

  beforeAll(async () => {
    built('console/console.js');
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await (browser as Browser | undefined)?.close();
  });
  beforeEach(async () => {
    server = await startServer({ port: 0, token: TOKEN, console: true });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  });
  afterEach(async () => {
    await page.close();
    await server.close();
  });

  const signIn = async (token = TOKEN) => {
    await page.goto(`${server.url}/console/`);
    await page.fill('#token', token);
    await page.press('#token', 'Enter');
  };
  /** The text of the cells of node `node`'s row: scheduled, pending, processing, processed. */
  const counts = (node: string) =>
    page.$$eval(
      '#nodes tbody tr',
      (rows, name) => {
        const row = rows.find((found) => found.querySelector('th')?.textContent === name);
        return Array.from(row?.querySelectorAll('td') ?? [])
          .slice(0, 4)
          .map((cell) => Number(cell.textContent));
      },
      node,
    );

  it('refuses a wrong token with a clear message, and shows nothing of the queue', async () => {
    await client('a1').push('b2', 'secret payload');
    await page.goto(`${server.url}/console/`);
    // The page holds no data: loading it needs no token, and its focus is on the token's field.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('token');
    await signIn('WRONG');
    await expect
      .poll(() => page.textContent('#login-error'), LIVE)
      .toBe('The server refused this token (403 Incorrect auth token).');
    expect(await page.isVisible('#app')).toBe(false);
    expect(await page.content()).not.toContain('secret payload');
    expect(page.url()).not.toContain('WRONG');
  });

  it('shows the counts the server has after pushes, pulls and acks, live', async () => {
    await signIn();
    await expect.poll(() => page.textContent('#live'), LIVE).toMatch(/^Live/);
    const a1 = client('a1');
    const b2 = client('b2');
    for (const n of [1, 2, 3, 4]) await a1.push('b2', { n });
    await a1.push('c3', 'hello');
    const first = (await b2.pull()).unwrap().unwrap();
    await b2.pull();
    await b2.ack(first.metadata.id);
    await expect.poll(() => counts('b2'), LIVE).toEqual([0, 2, 1, 1]);
    await expect.poll(() => counts('c3'), LIVE).toEqual([0, 1, 0, 0]);
    const summary = (await a1.summary()).unwrap();
    expect(summary.nodes.map((node) => node.counts)).toEqual([
      { scheduled: 0, pending: 2, processing: 1, processed: 1 },
      { scheduled: 0, pending: 1, processing: 0, processed: 0 },
    ]);
    await expect.poll(() => page.textContent('#totals'), LIVE).toContain('5 pushed, 2 claimed, 1 acked');
  });

  it('requeues a stuck message after asking, and deletes only when confirmed', async () => {
    const a1 = client('a1');
    const waiting = (await a1.push('b2', { n: 1 })).unwrap();
    const stuck = (await a1.push('b2', { n: 2 })).unwrap();
    await client('b2').pull(); // message 1 is processing
    await signIn();
    await page.click('#nodes button[data-node="b2"]');
    await page.click(`#messages button[aria-label="Message ${waiting.metadata.id}"]`);
    expect(await page.textContent('#payload')).toBe('{\n  "n": 1\n}');
    await page.click('#actions button:text("Requeue")');
    expect(await page.textContent('#confirm .question')).toContain(
      `Give message ${waiting.metadata.id} back`,
    );
    // The dialog's focus is on Cancel: Enter there keeps the message as it is.
    await page.keyboard.press('Enter');
    expect((await a1.get(waiting.metadata.id)).unwrap().metadata.status).toBe('processing');
    await page.click('#actions button:text("Requeue")');
    await page.click('#confirm button[value="confirm"]');
    await expect
      .poll(() => page.textContent('#outcome'), LIVE)
      .toBe(`Message ${waiting.metadata.id} is back in the queue.`);
    expect((await a1.get(waiting.metadata.id)).unwrap().metadata).toMatchObject({
      status: 'pending',
      tries: 1,
    });

    await page.click(`#messages button[aria-label="Message ${stuck.metadata.id}"]`);
    await page.click('#actions button:text("Delete")');
    await page.click('#confirm button[value="cancel"]');
    expect((await a1.get(stuck.metadata.id)).isOk()).toBe(true);
    await page.click('#actions button:text("Delete")');
    await page.click('#confirm button[value="confirm"]');
    await expect.poll(() => page.textContent('#outcome'), LIVE).toBe(`Message ${stuck.metadata.id} deleted.`);
    expect((await a1.get(stuck.metadata.id)).isErr()).toBe(true);
  });

  it('pushes from its form, shows bytes as hex with their size, and acks a processing message', async () => {
    await signIn();
    await page.fill('#push-to', 'd4');
    await page.fill('#push-payload', '{"hello": "world"}');
    await page.click('#push-form button[type="submit"]');
    await expect
      .poll(() => page.textContent('#outcome'), LIVE)
      .toMatch(/^Pushed message [0-9a-f]{24} to node d4\.$/);
    const listed = (await client('d4').list()).unwrap();
    expect(listed.map((m) => [m.metadata.nodeSource, m.payload])).toEqual([['c0501e', { hello: 'world' }]]);
    await page.fill('#push-payload', '{not json');
    await page.click('#push-form button[type="submit"]');
    await expect.poll(() => page.textContent('#outcome'), LIVE).toMatch(/^The payload is not JSON: /);

    const bytes = (await client('a1').push('e5', new Uint8Array([0xde, 0xad, 0xbe, 0xef]))).unwrap();
    await client('e5').pull();
    await expect
      .poll(() => page.$$eval('#filter-node option', (o) => o.map((x) => x.textContent)), LIVE)
      .toContain('e5');
    await page.selectOption('#filter-node', 'e5');
    await page.selectOption('#filter-status', 'processing');
    await page.click('#filters button[type="submit"]');
    await page.click(`#messages button[aria-label="Message ${bytes.metadata.id}"]`);
    expect(await page.textContent('#payload')).toBe('00000000  de ad be ef');
    expect(await page.textContent('#payload-title')).toBe('Payload (bytes, 4 B)');
    await page.click('#actions button:text("Ack")');
    await page.click('#confirm button[value="confirm"]');
    await expect.poll(() => page.textContent('#outcome'), LIVE).toBe(`Message ${bytes.metadata.id} acked.`);
    expect((await client('e5').get(bytes.metadata.id)).unwrap().metadata.status).toBe('processed');
  });

  it('fits a phone’s width, and has a label for every field', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn();
    await expect.poll(() => page.textContent('#live'), LIVE).toMatch(/^Live/);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const unlabelled = await page.$$eval('input, select, textarea', (fields) =>
      fields.filter((field) => (field as HTMLInputElement).labels?.length === 0).map((field) => field.id),
    );
    expect(unlabelled).toEqual([]);
  });

  it('shows a few hundred messages (the screenshot of docs/console.md)', async () => {
    const producer = client('a1');
    const nodes = ['b2', 'c3', 'd4', 'e5'];
    const messages = nodes.flatMap((node, at) =>
      Array.from({ length: 60 + at * 25 }, (_, n) => ({ destination: node, payload: { reading: n, node } })),
    );
    await signIn();
    await expect.poll(() => page.textContent('#live'), LIVE).toMatch(/^Live/);
    // In four rounds a second apart, so that the chart shows the flow.
    const rounds = 4;
    for (let round = 0; round < rounds; round++) {
      const part = messages.filter((_, at) => at % rounds === round);
      for (const sent of (await producer.pushMany(part)).unwrap()) expect(sent.isOk()).toBe(true);
      for (const [node, claim, ack] of [
        ['b2', 10, 8],
        ['c3', 8, 7],
        ['d4', 3, 0],
      ] as const) {
        const consumer = client(node);
        const claimed = (await consumer.pullMany({ max: claim })).unwrap();
        for (const message of claimed.slice(0, ack)) (await consumer.ack(message.metadata.id)).unwrap();
      }
      await new Promise((resolve) => setTimeout(resolve, 1_100));
    }
    await expect.poll(() => counts('b2'), LIVE).toEqual([0, 20, 8, 32]);
    await page.click('#nodes button[data-node="c3"]');
    await expect.poll(() => page.$$eval('#messages tbody tr', (rows) => rows.length), LIVE).toBe(85);
    const path = UPDATE_SCREENSHOT
      ? join(ROOT, 'docs/console.png')
      : join(mkdtempSync(join(tmpdir(), 'console-')), 'console.png');
    await page.screenshot({ path, fullPage: false });
    expect(statSync(path).size).toBeGreaterThan(10_000);
  });
});
