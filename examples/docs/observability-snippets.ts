// Snippets of docs/console.md and docs/observability.md, type-checked by the test suite.
import { createClient, watchSummary } from 'scirocco-rx';
import { startServer } from 'scirocco-rx/server';

{
  // The console at /console/, the metrics at /metrics behind the token, on one port.
  const server = await startServer({ port: 8000, console: true, metrics: true });
  console.log(server.consoleUrl, server.metricsUrl);
  await server.close();
}

{
  // The metrics on an address of their own, without a token: only the scraper reaches it.
  const server = await startServer({ metrics: { host: '127.0.0.1', port: 9464 } });
  console.log(server.metricsUrl); // http://127.0.0.1:9464/metrics
  await server.close();
}

{
  const client = createClient({ url: 'http://localhost:8000', node: 'c0501e', token: 'DEFAULT_TOKEN' });
  const summary = await client.summary();
  if (summary.isOk()) {
    for (const node of summary.value.nodes) {
      console.log(node.node, node.counts.pending, node.counts.processing, node.oldestPendingAgeMs);
    }
  }
  // The same, live: a new summary each time the queue changes, at most one request a second.
  const live = watchSummary((options) => client.summary(options), { intervalMs: 1_000 }).subscribe((next) =>
    console.log(`version ${String(next.version)}: ${String(next.totals.acked)} acked`),
  );
  live.unsubscribe();
  // The stuck ones of a node: the oldest processing messages.
  const stuck = await client.list({ status: 'processing', limit: 10 });
  if (stuck.isOk()) for (const message of stuck.value) console.log(message.metadata.processingTime);
  client.close();
}

{
  // Tracing and metrics through OpenTelemetry: register an SDK as usual, then give the client
  // openTelemetry(). Here an in-memory exporter, as the test suite does.
  const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } =
    await import('@opentelemetry/sdk-trace-base');
  const { openTelemetry } = await import('scirocco-rx/opentelemetry');
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const client = createClient({
    url: 'http://localhost:8000',
    node: 'b2',
    token: 'DEFAULT_TOKEN',
    telemetry: openTelemetry({ tracerProvider }), // default: the global providers
  });
  await client.push('b2', { n: 1 });
  console.log(spans.getFinishedSpans().map((span) => span.name)); // [ 'send b2' ]
  client.close();
}
