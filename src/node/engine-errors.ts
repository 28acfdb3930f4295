import { EngineError, EngineErrorCode } from '../engine/index.js';
import { ClientError, ErrorCode } from '../protocol/index.js';

/** What clients and API callers are told about an engine failure. */
export interface EngineFailure {
  code: typeof ErrorCode.notAvailable | typeof ErrorCode.internal | typeof ErrorCode.badRequest;
  temporary: boolean;
  /**
   * What a server API caller is told besides the code, when the engine's own words help
   * (which channel, which setting). Clients get the code's standard message, as in Centrifugo.
   */
  detail?: string;
}

/**
 * The one table from engine errors to protocol errors, shared by client commands and
 * the server API (the codes mean the same on both). Undefined for anything that is not
 * an EngineError.
 */
export function engineFailure(err: unknown): EngineFailure | undefined {
  if (!(err instanceof EngineError)) return undefined;
  switch (err.code) {
    case EngineErrorCode.notSupported:
      // As Centrifugo answers history calls on a broker without history.
      return { code: ErrorCode.notAvailable, temporary: false };
    case EngineErrorCode.badRequest:
      // As Centrifugo answers a publish to (or a refused subscribe to) a NATS wildcard channel.
      return { code: ErrorCode.badRequest, temporary: false, detail: err.message };
    case EngineErrorCode.unavailable:
      // The SDKs retry temporary errors, which is what an engine outage calls for.
      return { code: ErrorCode.internal, temporary: true };
    default: {
      const never: never = err.code;
      return never;
    }
  }
}

/** An engine failure as the ClientError a command replies with; anything else unchanged. */
export function asClientError(err: unknown): unknown {
  const failure = engineFailure(err);
  return failure ? new ClientError(failure.code, undefined, failure.temporary) : err;
}
