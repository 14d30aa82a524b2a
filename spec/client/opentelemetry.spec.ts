import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { lastValueFrom, Subject, toArray } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../lib/create-client.js';
import { openTelemetry } from '../../lib/otel/open-telemetry.js';
import { ackOnComplete } from '../../lib/rx/ack-on-complete.js';
import type { ClientTelemetry } from '../../lib/client/client-telemetry.js';
import { createMemoryStore } from '../../lib/server/memory-store.js';
import { startServer } from '../../lib/server/start-server.js';
import { useServer } from '../support/server.js';

const TOKEN = 'DEFAULT_TOKEN';

/** A reader the test collects from when it wants. */
class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

describe('OpenTelemetry: spans and metrics of a push → consume → ack flow', () => {
  const srv = useServer();
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const telemetry = openTelemetry({ tracerProvider, meterProvider });

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => {
    context.disable();
  });
  afterEach(() => {
    spans.reset();
  });

  /** Consumes until `count` messages were handled by `handler`; the outcomes' statuses. */
  const consume = async (handler: (payload: unknown) => void, count: number) => {
    const consumer = createClient({ url: srv.url, node: 'b2', token: TOKEN, telemetry });
    const stop = new Subject<void>();
    let handled = 0;
    const outcomes = await lastValueFrom(
      consumer.pull$({ interval: 10, stop }).pipe(
        ackOnComplete(
          (message) => {
            try {
              handler(message.payload);
            } finally {
              if (++handled === count) setTimeout(() => stop.next(), 50);
            }
          },
          { onError: 'requeue', ackWindow: 0 },
        ),
        toArray(),
      ),
    );
    consumer.close();
    return outcomes.map((outcome) => outcome.status);
  };

  const named = (name: string) => spans.getFinishedSpans().filter((span) => span.name === name);
  const one = (name: string): ReadableSpan => {
    const [span, ...more] = named(name);
    if (!span || more.length > 0)
      throw new Error(`expected one ${name} span, got ${String(named(name).length)}`);
    return span;
  };

  it('links receive to send, makes process the child of send and settle the child of process', async () => {
    const producer = createClient({ url: srv.url, node: 'a1', token: TOKEN, telemetry });
    const pushed = (await producer.push('b2', { n: 1 })).unwrap();
    const id = pushed.metadata.id;
    let inside: string | undefined;
    const statuses = await consume(() => {
      // The handler runs in the process span's context: its own spans are its children.
      inside = trace.getActiveSpan()?.spanContext().spanId;
      tracerProvider.getTracer('app').startSpan('work').end();
    }, 1);
    expect(statuses).toEqual(['acked']);

    const send = one('send b2');
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.attributes).toMatchObject({
      'messaging.system': 'scirocco',
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'b2',
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(srv.url).port),
    });
    // The server kept the producer's trace context with the message.
    const kept = (await producer.get(id)).unwrap().metadata.traceParent;
    expect(kept).toBe(`00-${send.spanContext().traceId}-${send.spanContext().spanId}-01`);

    const receive = one('receive b2');
    expect(receive.kind).toBe(SpanKind.CLIENT);
    expect(receive.attributes).toMatchObject({
      'messaging.operation.type': 'receive',
      'messaging.message.id': id,
      'messaging.destination.name': 'b2',
    });
    expect(receive.links.map((link) => link.context.spanId)).toEqual([send.spanContext().spanId]);

    const process = one('process b2');
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(process.attributes).toMatchObject({
      'messaging.operation.type': 'process',
      'messaging.message.id': id,
    });
    expect(process.spanContext().traceId).toBe(send.spanContext().traceId);
    expect(process.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(inside).toBe(process.spanContext().spanId);
    expect(one('work').parentSpanContext?.spanId).toBe(process.spanContext().spanId);

    const settle = one('ack b2');
    expect(settle.kind).toBe(SpanKind.CLIENT);
    expect(settle.attributes).toMatchObject({
      'messaging.operation.type': 'settle',
      'messaging.message.id': id,
    });
    expect(settle.parentSpanContext?.spanId).toBe(process.spanContext().spanId);
    expect(settle.status.code).toBe(SpanStatusCode.UNSET);
    // An empty poll is no span.
    expect(named('receive b2')).toHaveLength(1);
    producer.close();
  });

  it('records the duration, sent, consumed and process metrics', async () => {
    const producer = createClient({ url: srv.url, node: 'a1', token: TOKEN, telemetry });
    const before = await collect(reader);
    await producer.push('b2', 'one');
    await producer.push('b2', 'two');
    await consume(() => undefined, 2);
    const after = await collect(reader);
    const sum = (name: string, metrics: Collected) =>
      (metrics.get(name) ?? []).reduce((total, point) => total + (point.value as number), 0);
    expect(sum('messaging.client.sent.messages', after) - sum('messaging.client.sent.messages', before)).toBe(
      2,
    );
    expect(
      sum('messaging.client.consumed.messages', after) - sum('messaging.client.consumed.messages', before),
    ).toBe(2);
    const processed = after.get('messaging.process.duration') ?? [];
    expect(
      processed.reduce((total, point) => total + (point.value as Histogram).count, 0),
    ).toBeGreaterThanOrEqual(2);
    const durations = after.get('messaging.client.operation.duration') ?? [];
    const operations = new Set(durations.map((point) => point.attributes['messaging.operation.name']));
    expect([...operations].sort()).toEqual(['ack', 'receive', 'send']);
    const send = durations.find((point) => point.attributes['messaging.operation.name'] === 'send');
    expect(send?.attributes).toMatchObject({
      'messaging.system': 'scirocco',
      'messaging.destination.name': 'b2',
    });
    producer.close();
  });

  it('marks a failed handler’s process span with error.type, and traces its nack as a settle', async () => {
    const producer = createClient({ url: srv.url, node: 'a1', token: TOKEN, telemetry });
    await producer.push('b2', 'bad');
    let failures = 0;
    const statuses = await consume(() => {
      if (failures++ === 0) throw new TypeError('cannot handle it');
    }, 2);
    expect(statuses).toEqual(['failed', 'acked']); // failed, given back (a nack), then acked
    const [failed] = named('process b2');
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed?.attributes['error.type']).toBe('TypeError');
    const nack = one('nack b2');
    expect(nack.attributes['messaging.operation.type']).toBe('settle');
    expect(nack.parentSpanContext?.spanId).toBe(failed?.spanContext().spanId);
    producer.close();
  });

  it('marks a failed request with error.type: a refused token', async () => {
    const wrong = createClient({ url: srv.url, node: 'a1', token: 'WRONG', telemetry });
    expect((await wrong.push('b2', 'x')).isErr()).toBe(true);
    const send = one('send b2');
    expect(send.attributes['error.type']).toBe('auth');
    expect(send.status.code).toBe(SpanStatusCode.ERROR);
    expect(send.status.message).not.toContain('WRONG');
    const sends = ((await collect(reader)).get('messaging.client.operation.duration') ?? []).filter(
      (point) => point.attributes['messaging.operation.name'] === 'send',
    );
    // The failure is a series of its own: the successes' attributes are not touched.
    expect(sends.filter((point) => point.attributes['error.type'] === 'auth')).toHaveLength(1);
    expect(sends.some((point) => !('error.type' in point.attributes))).toBe(true);
    wrong.close();
  });

  it('names each destination and server on its own spans and series, call after call', async () => {
    const other = await startServer({ port: 0, store: createMemoryStore() });
    const here = createClient({ url: srv.url, node: 'a1', token: TOKEN, telemetry });
    const there = createClient({ url: other.url, node: 'a1', token: TOKEN, telemetry });
    for (let round = 0; round < 2; round++) {
      (await here.push('b2', { round })).unwrap();
      (await here.push('c3', { round })).unwrap();
      (await there.push('b2', { round })).unwrap();
    }
    const seen = spans
      .getFinishedSpans()
      .map((span) => `${span.name} ${String(span.attributes['server.port'])}`)
      .sort();
    const port = (url: string) => new URL(url).port;
    expect(seen).toEqual(
      [
        `send b2 ${port(srv.url)}`,
        `send b2 ${port(srv.url)}`,
        `send b2 ${port(other.url)}`,
        `send b2 ${port(other.url)}`,
        `send c3 ${port(srv.url)}`,
        `send c3 ${port(srv.url)}`,
      ].sort(),
    );
    for (const span of spans.getFinishedSpans()) {
      expect(span.attributes['messaging.destination.name']).toBe(span.name.slice('send '.length));
    }
    const series = ((await collect(reader)).get('messaging.client.sent.messages') ?? []).filter(
      (point) => point.attributes['server.port'] === Number(port(other.url)),
    );
    expect(series.map((point) => [point.attributes['messaging.destination.name'], point.value])).toEqual([
      ['b2', 2],
    ]);
    here.close();
    there.close();
    await other.close();
  });
});

describe('OpenTelemetry without an SDK: the API alone', () => {
  const srv = useServer();

  it('works as a client without telemetry, and sends no trace context', async () => {
    const telemetry = openTelemetry(); // the global providers: the API's no-ops
    const producer = createClient({ url: srv.url, node: 'a1', token: TOKEN, telemetry });
    const pushed = (await producer.push('b2', 'x')).unwrap();
    expect((await producer.get(pushed.metadata.id)).unwrap().metadata.traceParent).toBeUndefined();
    const consumer = createClient({ url: srv.url, node: 'b2', token: TOKEN, telemetry });
    const stop = new Subject<void>();
    const statuses = await lastValueFrom(
      consumer.pull$({ interval: 10, stop }).pipe(
        ackOnComplete(() => {
          setTimeout(() => stop.next(), 20);
        }),
        toArray(),
      ),
    );
    expect(statuses.map((outcome) => outcome.status)).toEqual(['acked']);
    producer.close();
    consumer.close();
  });
});

type Collected = Map<string, DataPoint<unknown>[]>;

/** Every metric's data points, by name. */
async function collect(reader: MetricReader): Promise<Collected> {
  const { resourceMetrics } = await reader.collect();
  const found: Collected = new Map();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      found.set(metric.descriptor.name, metric.dataPoints);
    }
  }
  return found;
}

describe('a telemetry that throws', () => {
  const srv = useServer();

  it('is as if it told nothing: calls answer Results, handlers run once, messages settle', async () => {
    const boom = () => {
      throw new Error('telemetry down');
    };
    const throwing: ClientTelemetry[] = [
      { request: boom, process: boom },
      { request: () => ({ end: boom }), process: () => ({ run: boom, end: boom }) },
      // Fails after the work ran: the work's answer still counts, and it runs once.
      {
        request: () => ({ headers: {}, end: boom }),
        process: () => ({
          run: (work) => {
            work();
            throw new Error('after');
          },
          end: boom,
        }),
      },
    ];
    for (const telemetry of throwing) {
      const producer = createClient({ url: srv.url, node: 'a1', token: TOKEN, telemetry });
      const consumer = createClient({ url: srv.url, node: 'b2', token: TOKEN, telemetry });
      expect((await producer.push('b2', { n: 1 })).isOk()).toBe(true);
      const stop = new Subject<void>();
      let runs = 0;
      const statuses = await lastValueFrom(
        consumer.pull$({ interval: 10, stop }).pipe(
          ackOnComplete(
            () => {
              runs++;
              setTimeout(() => stop.next(), 20);
            },
            { ackWindow: 0 },
          ),
          toArray(),
        ),
      );
      expect([statuses.map((outcome) => outcome.status), runs]).toEqual([['acked'], 1]);
      producer.close();
      consumer.close();
    }
  });
});
