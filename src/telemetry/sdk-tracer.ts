import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type TextMapGetter, type Tracer as OtelTracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { ActiveSpan, ContextGetter, SpanAttributes, SpanAttributeValue, SpanOptions, SpanRole, Tracer } from './tracer.js';

const KINDS: Readonly<Record<SpanRole, SpanKind>> = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  consumer: SpanKind.CONSUMER,
  internal: SpanKind.INTERNAL,
};

/** W3C trace context only (Centrifugo sets the same propagator); stateless, so shared. */
const propagator = new W3CTraceContextPropagator();

const getterOf: TextMapGetter<ContextGetter> = {
  get: (carrier, key) => carrier(key),
  // The W3C propagator asks for its two fields by name and never lists keys.
  keys: () => [],
};

const headerSetter = {
  set: (carrier: Record<string, string>, key: string, value: string): void => {
    carrier[key] = value;
  },
};

/** The attributes without their undefined ones; per span, so no entry arrays and no copy when none is undefined. */
function defined(attributes: SpanAttributes | undefined): Record<string, SpanAttributeValue> | undefined {
  if (!attributes) return undefined;
  for (const k in attributes) {
    if (attributes[k] !== undefined) continue;
    const out: Record<string, SpanAttributeValue> = {};
    for (const key in attributes) {
      const v = attributes[key];
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  return attributes as Record<string, SpanAttributeValue>;
}

class RecordingSpan implements ActiveSpan {
  failed = false;
  readonly recording: boolean;

  constructor(readonly span: Span) {
    // Asked once: a span the sampler dropped stays dropped.
    this.recording = span.isRecording();
  }

  setAttributes(attributes: SpanAttributes): void {
    if (this.recording) this.span.setAttributes(defined(attributes)!);
  }

  fail(message: string): void {
    this.failed = true;
    if (!this.recording) return;
    this.span.setStatus({ code: SpanStatusCode.ERROR, message });
  }

  inject(headers: Record<string, string>): void {
    propagator.inject(trace.setSpan(ROOT_CONTEXT, this.span), headers, headerSetter);
  }
}

/** A Tracer over an OpenTelemetry SDK tracer. */
export class SdkTracer implements Tracer {
  readonly enabled = true;

  constructor(private readonly tracer: OtelTracer) {}

  async withSpan<T>(name: string, options: SpanOptions, fn: (span: ActiveSpan) => Promise<T>): Promise<T> {
    // Contexts are passed explicitly: no context manager (and no AsyncLocalStorage) is installed.
    const parent = options.parent ? propagator.extract(ROOT_CONTEXT, options.parent, getterOf) : ROOT_CONTEXT;
    const span = new RecordingSpan(this.tracer.startSpan(name, { kind: KINDS[options.role ?? 'internal'], attributes: defined(options.attributes) }, parent));
    try {
      return await fn(span);
    } catch (err) {
      if (span.recording) span.span.recordException(err instanceof Error ? err : String(err));
      if (!span.failed) span.fail(err instanceof Error ? err.message : String(err));
      throw err;
    } finally {
      span.span.end();
    }
  }
}
