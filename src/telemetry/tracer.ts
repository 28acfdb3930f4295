/*
 * What traced code sees of tracing. Nothing here loads the OpenTelemetry SDK: it is imported
 * only when tracing is on (sdk-tracer.ts), so a server that does not trace never pays for it.
 */

/** A span attribute value; `undefined` attributes are left out. */
export type SpanAttributeValue = string | number | boolean;
export type SpanAttributes = Readonly<Record<string, SpanAttributeValue | undefined>>;

/** What a span stands for, as OpenTelemetry's SpanKind. */
export type SpanRole = 'server' | 'client' | 'consumer' | 'internal';

/**
 * Reads a trace-context field (`traceparent`, `tracestate`) of what started the work: an
 * HTTP header, a gRPC metadata entry, a field of a consumed message. Undefined when absent.
 */
export type ContextGetter = (key: string) => string | undefined;

export interface SpanOptions {
  /** @default 'internal' */
  role?: SpanRole;
  attributes?: SpanAttributes;
  /** Where the caller's W3C trace context is: the span becomes a child of that trace. */
  parent?: ContextGetter;
}

/** The span a traced function runs in. */
export interface ActiveSpan {
  /**
   * Whether the span is kept: false when the sampler dropped it (or nothing is traced), so
   * that attributes worth computing only for a kept span are not computed at all.
   */
  readonly recording: boolean;
  setAttributes(attributes: SpanAttributes): void;
  /** Ends the span with status ERROR and this description; what the function returns is unchanged. */
  fail(message: string): void;
  /** Writes `traceparent` (and `tracestate`) naming this span into an outgoing request's headers. */
  inject(headers: Record<string, string>): void;
}

/**
 * Runs work inside spans. Every traced place holds one: the real one when its kind of
 * work is traced, else `noTracer`, whose `enabled` is false so that hot-ish paths can skip
 * building span options altogether.
 */
export interface Tracer {
  readonly enabled: boolean;
  /**
   * Runs `fn` in a new span called `name`, ended when `fn` settles; a thrown error is
   * recorded on the span (status ERROR) and rethrown unchanged.
   */
  withSpan<T>(name: string, options: SpanOptions, fn: (span: ActiveSpan) => Promise<T>): Promise<T>;
}

const noSpan: ActiveSpan = {
  recording: false,
  setAttributes: () => undefined,
  fail: () => undefined,
  inject: () => undefined,
};

/** A tracer that traces nothing: `fn` runs as it is, with a span that records nothing. */
export const noTracer: Tracer = {
  enabled: false,
  withSpan: (_name, _options, fn) => fn(noSpan),
};
