import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../lib/server/memory-store.js';
import type { MessageStore } from '../../lib/server/message-store.js';
import { startServer, type RunningServer, type ServerOptions } from '../../lib/server/start-server.js';
import { nodeClient, send, TOKEN, type WireResponse } from '../support/http.js';
import { manualClock } from '../support/server.js';
import { testStore } from '../support/test-store.js';
import { until } from '../support/until.js';

/** A metric family as the parser gives it (prom2json's shape). */
interface Family {
  readonly name: string;
  readonly type: string;
  readonly help: string;
  readonly metrics: readonly {
    readonly labels?: Readonly<Record<string, string>>;
    readonly value?: string;
    readonly buckets?: Readonly<Record<string, string>>;
    readonly count?: string;
    readonly sum?: string;
  }[];
}

const idOf = (res: WireResponse) => res.headers['scirocco-id'] ?? '';

/** The parsed exposition, by family name. */
function parse(text: string): Map<string, Family> {
  const families = parsePrometheusTextFormat(text) as Family[];
  return new Map(families.map((family) => [family.name, family]));
}

/**
 * The series of one operation of a histogram family, parsed. The parser merges the series of a
 * labelled histogram into one, so the family is parsed again with only that operation's lines,
 * its label taken out.
 */
function histogramOf(text: string, name: string, operation: string): Family['metrics'][number] {
  const label = `operation="${operation}"`;
  const lines = text
    .split('\n')
    .filter((line) => line === `# TYPE ${name} histogram` || (line.startsWith(name) && line.includes(label)))
    .map((line) => line.replace(`{${label}}`, '').replace(`${label},`, ''));
  const [family] = parsePrometheusTextFormat(`${lines.join('\n')}\n`) as Family[];
  const [series] = family?.metrics ?? [];
  if (!series) throw new Error(`no ${name} series for ${operation}`);
  return series;
}

/** The value of the sample of `name` whose labels are `labels` (all of them), as a number. */
function sample(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const family = families.get(name);
  if (!family) throw new Error(`no family ${name}`);
  const found = family.metrics.find(
    (metric) =>
      Object.keys(labels).length === Object.keys(metric.labels ?? {}).length &&
      Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value),
  );
  if (!found) throw new Error(`no sample ${name}${JSON.stringify(labels)}`);
  return Number(found.value ?? found.count);
}

describe('GET /metrics (Prometheus)', () => {
  const servers: RunningServer[] = [];
  const start = async (options: ServerOptions) => {
    const server = await startServer({ port: 0, ...testStore(), ...options });
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('shows the queue after a scripted flow: counts by node and status, ages, counters, requests', async () => {
    const clock = manualClock(Date.UTC(2026, 11, 3, 12));
    const server = await start({ metrics: true, clock: clock.now });
    expect(server.metricsUrl).toBe(`${server.url}/metrics`);
    const a1 = nodeClient(server.url, 'a1');
    const b2 = nodeClient(server.url, 'b2');
    for (const n of [1, 2, 3]) expect((await a1.push('b2', { n })).status).toBe(201);
    clock.advance(1_000);
    for (const n of [4, 5]) expect((await a1.push('c3', { n })).status).toBe(201);
    clock.advance(500);
    const first = await b2.pull();
    const second = await b2.pull();
    expect([first.status, second.status]).toEqual([200, 200]);
    clock.advance(250);
    expect((await b2.ack(idOf(first))).status).toBe(200);
    const nack = await b2.send({ method: 'PATCH', path: `/messageQueue/${idOf(second)}/nack` });
    expect(nack.status).toBe(200);
    expect((await b2.pull()).status).toBe(200); // the nacked one comes back last: message 3 first
    clock.advance(2_000);

    const res = await send(server.url, { path: '/metrics', headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parse(res.body.toString());
    const messages = (node: string, status: string) =>
      sample(families, 'scirocco_messages', { node, status });
    expect([
      messages('b2', 'pending'),
      messages('b2', 'processing'),
      messages('b2', 'processed'),
      messages('b2', 'scheduled'),
    ]).toEqual([1, 1, 1, 0]);
    expect(messages('c3', 'pending')).toBe(2);
    expect(families.get('scirocco_messages')?.type).toBe('GAUGE');
    // b2's pending one (message 2, nacked) was pushed 3.75 s ago; c3's oldest 2.75 s ago.
    expect(sample(families, 'scirocco_oldest_pending_age_seconds', { node: 'b2' })).toBe(3.75);
    expect(sample(families, 'scirocco_oldest_pending_age_seconds', { node: 'c3' })).toBe(2.75);
    // b2's processing one (message 3) was claimed 2 s ago; c3 has none.
    expect(sample(families, 'scirocco_oldest_processing_age_seconds', { node: 'b2' })).toBe(2);
    expect(sample(families, 'scirocco_oldest_processing_age_seconds', { node: 'c3' })).toBe(0);

    expect(sample(families, 'scirocco_messages_pushed_total', { node: 'b2' })).toBe(3);
    expect(sample(families, 'scirocco_messages_pushed_total', { node: 'c3' })).toBe(2);
    expect(sample(families, 'scirocco_messages_claimed_total', { node: 'b2' })).toBe(3);
    expect(sample(families, 'scirocco_messages_acked_total', { node: 'b2' })).toBe(1);
    expect(sample(families, 'scirocco_messages_nacked_total', { node: 'b2' })).toBe(1);
    expect(sample(families, 'scirocco_messages_recovered_total')).toBe(0);
    expect(sample(families, 'scirocco_store_errors_total')).toBe(0);
    expect(families.get('scirocco_messages_pushed_total')?.type).toBe('COUNTER');

    const requests = (operation: string, code: string) =>
      sample(families, 'scirocco_http_requests_total', { operation, code });
    expect([
      requests('push', '201'),
      requests('pull', '200'),
      requests('ack', '200'),
      requests('nack', '200'),
    ]).toEqual([5, 3, 1, 1]);
    expect(families.get('scirocco_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    const push = histogramOf(res.body.toString(), 'scirocco_http_request_duration_seconds', 'push');
    expect(Number(push.count)).toBe(5);
    expect(Number(push.buckets?.['+Inf'])).toBe(5);
    expect(Number(push.buckets?.['30'])).toBe(5);
    expect(Number(push.sum)).toBeGreaterThan(0);

    // The summary extension counts the same.
    const summary = (await send(server.url, { path: '/messageQueue/summary' })).json<{
      nodes: { node: string; counts: Record<string, number> }[];
      totals: Record<string, number>;
    }>();
    expect(summary.nodes.map((node) => [node.node, node.counts])).toEqual([
      ['b2', { scheduled: 0, pending: 1, processing: 1, processed: 1 }],
      ['c3', { scheduled: 0, pending: 2, processing: 0, processed: 0 }],
    ]);
    expect(summary.totals).toEqual({ pushed: 5, claimed: 3, acked: 1, nacked: 1, recovered: 0 });
  });

  it('wants the token, as sent or as a bearer token; a wrong one is refused, and never shown', async () => {
    const server = await start({ metrics: true, token: 'S3CRET' });
    const metrics = (authorization?: string) =>
      send(server.url, {
        path: '/metrics',
        anonymous: true,
        ...(authorization === undefined ? {} : { headers: { Authorization: authorization } }),
      });
    expect((await metrics()).status).toBe(403);
    const wrong = await metrics('Bearer WRONG');
    expect(wrong.status).toBe(403);
    expect(wrong.json()).toEqual({ message: 'Incorrect auth token.' });
    expect((await metrics('S3CRET')).status).toBe(200);
    const bearer = await metrics('Bearer S3CRET');
    expect(bearer.status).toBe(200);
    expect(bearer.body.toString()).not.toContain('S3CRET');
  });

  it('is not served unless asked: GET /metrics is an unknown route', async () => {
    const server = await start({});
    expect(server.metricsUrl).toBeUndefined();
    expect((await send(server.url, { path: '/metrics' })).status).toBe(404);
  });

  it('on a listener of its own: no token there, and no metrics route on the queue port', async () => {
    const server = await start({ metrics: { port: 0 } });
    const own = new URL(server.metricsUrl ?? '');
    expect(own.port).not.toBe(String(server.port));
    await nodeClient(server.url, 'a1').push('b2', 'x');
    const res = await send(own.origin, { path: '/metrics', anonymous: true });
    expect(res.status).toBe(200);
    expect(sample(parse(res.body.toString()), 'scirocco_messages_pushed_total', { node: 'b2' })).toBe(1);
    expect((await send(own.origin, { path: '/messageQueue', anonymous: true })).status).toBe(404);
    expect((await send(server.url, { path: '/metrics' })).status).toBe(404);
    await server.close();
    await expect(send(own.origin, { path: '/metrics', anonymous: true })).rejects.toThrow();
  });

  it('refuses a metrics port out of range before anything listens', async () => {
    await expect(startServer({ metrics: { port: 70_000 } })).rejects.toThrow(
      'metrics.port must be a whole number from 0 to 65535, got 70000',
    );
  });

  it('counts the messages the processing timeout gives back', async () => {
    const clock = manualClock();
    const server = await start({ metrics: true, processingTimeoutMs: 100, clock: clock.now });
    await nodeClient(server.url, 'a1').push('b2', 'x');
    expect((await nodeClient(server.url, 'b2').pull()).status).toBe(200);
    clock.advance(1_000);
    const recovered = async () =>
      sample(
        parse((await send(server.url, { path: '/metrics' })).body.toString()),
        'scirocco_messages_recovered_total',
      );
    await until(async () => (await recovered()) === 1, 'the sweep');
  });

  it('counts store failures, answered 500', async () => {
    const inner = createMemoryStore();
    const store: MessageStore = {
      ...inner,
      list: () => Promise.reject(new Error('disk on fire')),
    };
    const server = await start({ metrics: true, store });
    expect((await nodeClient(server.url, 'b2').list()).status).toBe(500);
    const families = parse((await send(server.url, { path: '/metrics' })).body.toString());
    expect(sample(families, 'scirocco_store_errors_total')).toBe(1);
    expect(sample(families, 'scirocco_http_requests_total', { operation: 'list', code: '500' })).toBe(1);
  });
});
