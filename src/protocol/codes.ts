/**
 * Centrifugo protocol codes as data. Ranges matter to SDKs:
 * - reply errors: retried when `temporary` (or 109 token expired), terminal otherwise;
 * - disconnects: 3000–3499 and 4000–4499 reconnect, 3500–3999 and 4500–4999 do not;
 * - unsubscribe pushes: < 2500 leave the subscription unsubscribed, ≥ 2500 resubscribe.
 */

export const ErrorCode = {
  internal: 100,
  unauthorized: 101,
  unknownChannel: 102,
  permissionDenied: 103,
  methodNotFound: 104,
  alreadySubscribed: 105,
  limitExceeded: 106,
  badRequest: 107,
  notAvailable: 108,
  tokenExpired: 109,
  expired: 110,
  tooManyRequests: 111,
  unrecoverablePosition: 112,
  concurrentPagination: 113,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Message and `temporary` flag of each reply error, as the Go library sends them. */
export const errorMessages: Readonly<Record<ErrorCode, { message: string; temporary: boolean }>> = {
  100: { message: 'internal server error', temporary: true },
  101: { message: 'unauthorized', temporary: false },
  102: { message: 'unknown channel', temporary: false },
  103: { message: 'permission denied', temporary: false },
  104: { message: 'method not found', temporary: false },
  105: { message: 'already subscribed', temporary: false },
  106: { message: 'limit exceeded', temporary: false },
  107: { message: 'bad request', temporary: false },
  108: { message: 'not available', temporary: false },
  109: { message: 'token expired', temporary: false },
  110: { message: 'expired', temporary: false },
  111: { message: 'too many requests', temporary: true },
  112: { message: 'unrecoverable position', temporary: false },
  113: { message: 'concurrent pagination', temporary: true },
};

export const DisconnectCode = {
  connectionClosed: 3000,
  shutdown: 3001,
  serverError: 3004,
  expired: 3005,
  subExpired: 3006,
  slow: 3008,
  writeError: 3009,
  insufficientState: 3010,
  forceReconnect: 3011,
  noPong: 3012,
  tooManyRequests: 3013,
  stateInvalidated: 3014,
  invalidToken: 3500,
  badRequest: 3501,
  stale: 3502,
  forceNoReconnect: 3503,
  connectionLimit: 3504,
  channelLimit: 3505,
  inappropriateProtocol: 3506,
  permissionDenied: 3507,
  notAvailable: 3508,
  tooManyErrors: 3509,
} as const;
export type DisconnectCode = (typeof DisconnectCode)[keyof typeof DisconnectCode];

export const disconnectReasons: Readonly<Record<DisconnectCode, string>> = {
  3000: 'connection closed',
  3001: 'shutdown',
  3004: 'internal server error',
  3005: 'connection expired',
  3006: 'subscription expired',
  3008: 'slow',
  3009: 'write error',
  3010: 'insufficient state',
  3011: 'force reconnect',
  3012: 'no pong',
  3013: 'too many requests',
  3014: 'state invalidated',
  3500: 'invalid token',
  3501: 'bad request',
  3502: 'stale',
  3503: 'force disconnect',
  3504: 'connection limit',
  3505: 'channel limit',
  3506: 'inappropriate protocol',
  3507: 'permission denied',
  3508: 'not available',
  3509: 'too many errors',
};

/** Whether an SDK reconnects after this disconnect code. */
export function shouldReconnect(code: number): boolean {
  if (code < 3000) return true;
  if (code >= 3500 && code < 4000) return false;
  if (code >= 4500 && code < 5000) return false;
  return true;
}

export const UnsubscribeCode = {
  server: 2000,
  insufficientState: 2500,
  expired: 2501,
  stateInvalidated: 2502,
} as const;
export type UnsubscribeCode = (typeof UnsubscribeCode)[keyof typeof UnsubscribeCode];

export const unsubscribeReasons: Readonly<Record<UnsubscribeCode, string>> = {
  2000: 'server unsubscribe',
  2500: 'insufficient state',
  2501: 'subscription expired',
  2502: 'state invalidated',
};
