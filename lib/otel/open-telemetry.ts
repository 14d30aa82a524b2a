import {
  context as contexts,
  metrics,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
  type MeterProvider,
  type Span,
  type SpanContext,
  type TracerProvider,
} from '@opentelemetry/api';
import type {
  ClientTelemetry,
  TelemetryCall,
  TelemetryOutcome,
  TelemetryProcess,
  TelemetryRequest,
} from '../client/client-telemetry.js';
import { isSciroccoError } from '../client/scirocco-error.js';
import { HEADERS } from '../protocol/headers.js';
import type { SciroccoMessage } from '../protocol/message-metadata.js';
import { TRACE_PARENT_PATTERN } from '../protocol/validation.js';

/**
 * Options of {@link openTelemetry}.
 *
 * @example
 * ```ts
 * import { trace, metrics } from '@opentelemetry/api';
 * import type { OpenTelemetryOptions } from 'scirocco-rx/opentelemetry';
 *
 * const options: OpenTelemetryOptions = {
 *   tracerProvider: trace.getTracerProvider(),
 *   meterProvider: metrics.getMeterProvider(),
 * };
 * ```
 */
export interface OpenTelemetryOptions {
  /** Where spans go. @default the global one (`trace.getTracerProvider()`) */
  readonly tracerProvider?: TracerProvider;
  /** Where metrics go. @default the global one (`metrics.getMeterProvider()`) */
  readonly meterProvider?: MeterProvider;
}

/** The instrumentation scope of the spans and metrics. */
const SCOPE = 'scirocco-rx';

/** A traced operation, by the messaging conventions: its name, type and span kind. */
interface Operation {
  readonly name: string;
  readonly type: string;
  readonly kind: SpanKind;
}

/** What each traced operation is, by the messaging conventions. */
const OPERATIONS: Readonly<Record<string, Operation>> = {
  push: { name: 'send', type: 'send', kind: SpanKind.PRODUCER },
  pushMany: { name: 'send', type: 'send', kind: SpanKind.PRODUCER },
  pull: { name: 'receive', type: 'receive', kind: SpanKind.CLIENT },
  pullMany: { name: 'receive', type: 'receive', kind: SpanKind.CLIENT },
  ack: { name: 'ack', type: 'settle', kind: SpanKind.CLIENT },
  ackMany: { name: 'ack', type: 'settle', kind: SpanKind.CLIENT },
  nack: { name: 'nack', type: 'settle', kind: SpanKind.CLIENT },
  nackMany: { name: 'nack', type: 'settle', kind: SpanKind.CLIENT },
};

/** The consumer's work on a message, around its handler. */
const PROCESS: Operation = { name: 'process', type: 'process', kind: SpanKind.CONSUMER };

/** What every span and measurement of one operation to one destination shares, made once. */
interface Shared {
  readonly name: string;
  /** The metrics' attributes. */
  readonly common: Attributes;
  /** The span's, but for the message id and the batch size. */
  readonly span: Attributes;
}

/** The frozen attribute sets of `operation` to `destination`, with the server's (if any). */
function shareOf(operation: Operation, destination: string | undefined, server: Attributes): Shared {
  const common: Attributes = Object.freeze({
    'messaging.system': 'scirocco',
    'messaging.operation.name': operation.name,
    ...(destination === undefined ? {} : { 'messaging.destination.name': destination }),
    ...server,
  });
  return {
    name: destination === undefined ? operation.name : `${operation.name} ${destination}`,
    common,
    span: Object.freeze({ ...common, 'messaging.operation.type': operation.type }),
  };
}

/** The `traceparent` of a span's context, or `undefined` when it has no valid one. */
function traceParentOf(span: SpanContext): string | undefined {
  if (!trace.isSpanContextValid(span)) return undefined;
  return `00-${span.traceId}-${span.spanId}-${(span.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The remote span context a message's `traceParent` names, when it has a valid one. */
function creationContext(message: SciroccoMessage): SpanContext | undefined {
  const value = message.metadata.traceParent;
  if (value === undefined || !TRACE_PARENT_PATTERN.test(value)) return undefined;
  const [, traceId = '', spanId = '', flags = '00'] = value.split('-');
  return {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
}

/** The server's address and port, as the conventions name them. */
function serverAttributes(url: string): Attributes {
  const parsed = new URL(url);
  const port = parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port);
  return { 'server.address': parsed.hostname, 'server.port': port };
}

/** The `error.type` of a failure: a SciroccoError's kind, an Error's name, or `_OTHER`. */
function errorType(error: unknown): string {
  if (isSciroccoError(error)) return error.kind;
  if (error instanceof Error) return error.name;
  return '_OTHER';
}

/** Seconds since `start` (a `performance.now()`). */
const secondsSince = (start: number) => (performance.now() - start) / 1000;

/**
 * The client's telemetry on OpenTelemetry (`@opentelemetry/api`, an optional peer dependency:
 * install it, and an SDK to export, to use this), after the messaging semantic conventions:
 *
 * - spans `send NODE` (PRODUCER) for a push or a batch push, `receive NODE` (CLIENT) for a pull
 *   that got messages, linked to each message's `send`, `process NODE` (CONSUMER) around a
 *   handler of `ackOnComplete` or `consume`, a child of the message's `send`, and `ack NODE` or
 *   `nack NODE` (CLIENT, settle) for acks and nacks, children of the `process` they follow; with
 *   `messaging.system` `scirocco`, `messaging.destination.name`, `messaging.message.id`,
 *   `messaging.operation.name` and `.type`, `messaging.batch.message_count`, `server.address`,
 *   `server.port`, and `error.type` on failure;
 * - metrics `messaging.client.operation.duration` (s), `messaging.client.sent.messages`,
 *   `messaging.client.consumed.messages` and `messaging.process.duration` (s);
 * - the producer's trace context sent with each push (`Scirocco-Trace-Parent`): a server with the
 *   `trace-context` extension returns it with the message, so that the consumer's spans join the
 *   producer's trace; the original ignores it, and the consumer's spans then start their own.
 *
 * Without an SDK registered, the API's no-op tracer and meter make no spans; what is left costs a
 * plain consumer 6 to 25 µs of CPU per message, measured (docs/benchmarks.md). The SDK's spans
 * cost more: sample them where that matters.
 *
 * @example
 * ```ts
 * import { createClient } from 'scirocco-rx';
 * import { openTelemetry } from 'scirocco-rx/opentelemetry';
 *
 * const client = createClient({
 *   url: 'http://localhost:8000',
 *   node: 'b2',
 *   token: 'DEFAULT_TOKEN',
 *   telemetry: openTelemetry(), // the global tracer and meter providers
 * });
 * ```
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): ClientTelemetry {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE);
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
  const operationDuration = meter.createHistogram('messaging.client.operation.duration', {
    description: 'Duration of messaging operation initiated by a producer or consumer client.',
    unit: 's',
  });
  const sent = meter.createCounter('messaging.client.sent.messages', {
    description: 'Number of messages producer attempted to send to the broker.',
    unit: '{message}',
  });
  const consumed = meter.createCounter('messaging.client.consumed.messages', {
    description: 'Number of messages that were delivered to the application.',
    unit: '{message}',
  });
  const processDuration = meter.createHistogram('messaging.process.duration', {
    description: 'Duration of processing operation.',
    unit: 's',
  });
  // Made once per server, operation and destination (and per node for process spans): a call
  // allocates no attribute set of its own unless it names a message or a batch, or fails.
  const shared = new Map<string, Map<string, Map<string | undefined, Shared>>>();
  const sharedOf = (url: string, operation: Operation, destination: string | undefined): Shared => {
    let byOperation = shared.get(url);
    if (!byOperation) shared.set(url, (byOperation = new Map<string, Map<string | undefined, Shared>>()));
    let byDestination = byOperation.get(operation.name);
    if (!byDestination)
      byOperation.set(operation.name, (byDestination = new Map<string | undefined, Shared>()));
    let known = byDestination.get(destination);
    if (!known)
      byDestination.set(destination, (known = shareOf(operation, destination, serverAttributes(url))));
    return known;
  };

  const request = (call: TelemetryCall): TelemetryRequest | undefined => {
    const operation = OPERATIONS[call.operation];
    if (!operation) return undefined;
    const { name, common, span: base } = sharedOf(call.url, operation, call.destination);
    const attributes: Attributes =
      call.messageId === undefined && call.count === undefined
        ? base
        : {
            ...base,
            ...(call.messageId === undefined ? {} : { 'messaging.message.id': call.messageId }),
            ...(call.count === undefined ? {} : { 'messaging.batch.message_count': call.count }),
          };
    const parent = contexts.active();
    const started = performance.now();
    const startTime = Date.now();
    // A receive is traced once it has messages: an empty poll is no span, only a duration.
    const span: Span | undefined =
      operation.type === 'receive'
        ? undefined
        : tracer.startSpan(name, { kind: operation.kind, attributes, startTime }, parent);
    const traceParent = operation.type === 'send' && span ? traceParentOf(span.spanContext()) : undefined;
    return {
      ...(traceParent === undefined ? {} : { headers: { [HEADERS.traceParent]: traceParent } }),
      end: ({ error, received = [] }: TelemetryOutcome) => {
        const failed = error === undefined ? undefined : { 'error.type': errorType(error) };
        const measured = failed === undefined ? common : { ...common, ...failed };
        operationDuration.record(secondsSince(started), measured);
        if (operation.type === 'send') sent.add(call.count ?? 1, measured);
        if (operation.type === 'receive' && received.length > 0) consumed.add(received.length, common);
        let ended = span;
        if (operation.type === 'receive' && (received.length > 0 || error !== undefined)) {
          const links: Link[] = received.flatMap((message) => {
            const created = creationContext(message);
            return created ? [{ context: created }] : [];
          });
          const [only] = received;
          ended = tracer.startSpan(
            name,
            {
              kind: operation.kind,
              startTime,
              links,
              attributes: {
                ...attributes,
                ...(received.length === 1 && only ? { 'messaging.message.id': only.metadata.id } : {}),
                ...(received.length > 1 ? { 'messaging.batch.message_count': received.length } : {}),
              },
            },
            parent,
          );
        }
        if (!ended) return;
        if (error !== undefined) {
          ended.setAttributes(failed ?? {});
          ended.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        }
        ended.end();
      },
    };
  };

  const processes = new Map<string, Shared>();
  const processOf = (node: string): Shared => {
    let known = processes.get(node);
    if (!known) processes.set(node, (known = shareOf(PROCESS, node, {})));
    return known;
  };

  const process = (message: SciroccoMessage, node: string): TelemetryProcess => {
    const created = creationContext(message);
    // The message's send is the parent: the consumer's work joins the producer's trace.
    const parent: Context = created ? trace.setSpanContext(contexts.active(), created) : contexts.active();
    const { name, common, span: base } = processOf(node);
    const span = tracer.startSpan(
      name,
      { kind: PROCESS.kind, attributes: { ...base, 'messaging.message.id': message.metadata.id } },
      parent,
    );
    const inside = trace.setSpan(parent, span);
    const started = performance.now();
    return {
      run: (work) => contexts.with(inside, work),
      end: (error) => {
        if (error === undefined) {
          processDuration.record(secondsSince(started), common);
        } else {
          const failed = { 'error.type': errorType(error) };
          processDuration.record(secondsSince(started), { ...common, ...failed });
          span.setAttributes(failed);
          span.setStatus({
            code: SpanStatusCode.ERROR,
            ...(error instanceof Error ? { message: error.message } : {}),
          });
        }
        span.end();
      },
    };
  };

  return { request, process };
}
