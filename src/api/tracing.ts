import { Attr, type ActiveSpan, type SpanAttributes } from '../telemetry/index.js';
import type { ApiError } from './errors.js';

/*
 * What a server API span says about the call, the same for HTTP and gRPC (requests of both
 * carry the wire's snake_case field names).
 */

/** The method, the channel or number of channels it is about, a batch's size. */
export function callAttributes(method: string, params: unknown): SpanAttributes {
  const p = typeof params === 'object' && params !== null ? (params as Readonly<Record<string, unknown>>) : {};
  return {
    [Attr.apiMethod]: method,
    [Attr.channel]: typeof p.channel === 'string' ? p.channel : undefined,
    [Attr.numChannels]: Array.isArray(p.channels) ? p.channels.length : undefined,
    [Attr.apiNumCommands]: method === 'batch' && Array.isArray(p.commands) ? p.commands.length : undefined,
  };
}

/** An API error answer fails the span, whichever way (reply field or status) it is sent. */
export function recordApiError(span: ActiveSpan | undefined, e: ApiError): void {
  if (!span) return;
  span.setAttributes({ [Attr.apiErrorCode]: e.code });
  span.fail(e.message);
}
