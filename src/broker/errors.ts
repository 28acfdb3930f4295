/** Why a broker request was refused, each with its HTTP status. */
export const BrokerErrorCode = {
  badRequest: 'PARSEC_BROKER_BAD_REQUEST',
  unauthenticated: 'PARSEC_BROKER_UNAUTHENTICATED',
  forbidden: 'PARSEC_BROKER_FORBIDDEN',
  notFound: 'PARSEC_BROKER_NOT_FOUND',
  tooLarge: 'PARSEC_BROKER_BODY_TOO_LARGE',
  tooManyRequests: 'PARSEC_BROKER_TOO_MANY_REQUESTS',
  unavailable: 'PARSEC_BROKER_UNAVAILABLE',
} as const;
export type BrokerErrorCode = (typeof BrokerErrorCode)[keyof typeof BrokerErrorCode];

const STATUS: Readonly<Record<BrokerErrorCode, number>> = {
  PARSEC_BROKER_BAD_REQUEST: 400,
  PARSEC_BROKER_UNAUTHENTICATED: 401,
  PARSEC_BROKER_FORBIDDEN: 403,
  PARSEC_BROKER_NOT_FOUND: 404,
  PARSEC_BROKER_BODY_TOO_LARGE: 413,
  PARSEC_BROKER_TOO_MANY_REQUESTS: 429,
  PARSEC_BROKER_UNAVAILABLE: 503,
};

/** A refused broker request; `details` go into the JSON error body (denied channels, retry delay). */
export class BrokerError extends Error {
  override readonly name = 'BrokerError';
  readonly status: number;

  constructor(
    readonly code: BrokerErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = STATUS[code];
  }
}

/** A caller's token that cannot be checked now (its JWKS is unreachable): 503, retry after the delay. */
export function verificationUnavailable(message: string, retryAfterSeconds: number): BrokerError {
  return new BrokerError(BrokerErrorCode.unavailable, message, { retry_after_ms: retryAfterSeconds * 1000 });
}
