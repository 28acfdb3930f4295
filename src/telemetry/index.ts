/*
 * OpenTelemetry tracing (`opentelemetry.*`): the only area that touches the OpenTelemetry
 * SDK. Other areas get a `Tracer` and run their work in `withSpan`; a kind of work that is
 * not traced holds `noTracer`, which runs the work as it is.
 */
export { Telemetry, type TelemetryOptions } from './telemetry.js';
export { noTracer, type ActiveSpan, type ContextGetter, type SpanAttributes, type SpanOptions, type SpanRole, type Tracer } from './tracer.js';
export { Attr } from './attributes.js';
