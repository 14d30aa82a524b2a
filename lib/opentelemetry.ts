/**
 * scirocco-rx/opentelemetry: the client's spans and metrics on OpenTelemetry. Needs the optional
 * peer dependency `@opentelemetry/api` (^1.9), and an SDK of your choice to export them.
 *
 * @packageDocumentation
 */
export { openTelemetry, type OpenTelemetryOptions } from './otel/open-telemetry.js';
