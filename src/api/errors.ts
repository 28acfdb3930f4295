import { engineFailure } from '../node/index.js';
import type { ApiContext } from './context.js';

/** Server API error codes (protocol reference §9.1). */
export const ApiErrorCode = {
  internal: 100,
  unknownChannel: 102,
  notFound: 104,
  badRequest: 107,
  notAvailable: 108,
  unrecoverablePosition: 112,
  conflict: 113,
} as const;
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

const defaultMessages: Record<ApiErrorCode, string> = {
  100: 'internal server error',
  102: 'unknown channel',
  104: 'not found',
  107: 'bad request',
  108: 'not available',
  112: 'unrecoverable position',
  113: 'conflict',
};

/** An error reply of the server API: `{"error": {"code", "message"}}`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: ApiErrorCode,
    message?: string,
  ) {
    super(message ?? defaultMessages[code]);
  }

  toJSON(): { code: number; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** HTTP status for an error in transport error mode. */
export function transportStatus(code: number): number {
  switch (code) {
    case 102:
    case 104:
      return 404;
    case 107:
    case 108:
      return 400;
    case 112:
      return 416;
    case 113:
      return 409;
    default:
      return 500;
  }
}

/** The code `asApiError` will answer with, without logging: for metrics. */
export function apiErrorCode(err: unknown): number {
  if (err instanceof ApiError) return err.code;
  return engineFailure(err)?.code ?? ApiErrorCode.internal;
}

/**
 * Any failure as an API error: engine failures by the node's table (108 for what the
 * engine cannot do), unexpected ones logged once, here, as 100.
 */
export function asApiError(ctx: ApiContext, err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const failure = engineFailure(err);
  if (failure) return new ApiError(failure.code, failure.temporary ? 'engine unavailable: retry later' : failure.detail);
  ctx.log.error({ err }, 'api method failed');
  return new ApiError(ApiErrorCode.internal);
}
