/**
 * Why a token was refused: `expired` lets SDKs fetch a new one (error 109), `invalid`
 * is terminal, `unavailable` means the keys could not be had (JWKS down): retry later.
 */
export type TokenErrorKind = 'expired' | 'invalid' | 'unavailable';

export class TokenError extends Error {
  override readonly name = 'TokenError';
  readonly code = 'PARSEC_TOKEN_REFUSED';

  constructor(
    readonly kind: TokenErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
