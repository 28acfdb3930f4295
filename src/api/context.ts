import type { Logger } from 'pino';
import type { ApiProtocol } from '../metrics/index.js';
import { ClientError } from '../protocol/index.js';
import type { ChannelInfo, Node } from '../node/index.js';
import { ApiError, ApiErrorCode } from './errors.js';

/** What every executor gets: the node, a logger, who is calling (for audit logs) and how (for metrics). */
export interface ApiContext {
  node: Node;
  log: Logger;
  caller: string;
  protocol: ApiProtocol;
}

/** Resolves a channel for the API: unknown namespace → 102, bad name → 107. */
export function resolveChannel(ctx: ApiContext, channel: string): ChannelInfo {
  try {
    return ctx.node.rules.resolve(channel);
  } catch (err) {
    if (err instanceof ClientError) throw new ApiError(err.code === 102 ? ApiErrorCode.unknownChannel : ApiErrorCode.badRequest, err.message);
    throw err;
  }
}

/**
 * A payload in a result: raw bytes that render as the JSON they hold, or as a
 * base64 string when they are not JSON (binary published with `b64data`).
 */
export class RawPayload {
  constructor(readonly bytes: Uint8Array) {}

  toJSON(): unknown {
    const text = Buffer.from(this.bytes).toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return Buffer.from(this.bytes).toString('base64');
    }
  }
}

export function raw(bytes: Uint8Array | undefined): RawPayload | undefined {
  return bytes && bytes.length > 0 ? new RawPayload(bytes) : undefined;
}
