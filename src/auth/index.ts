export { TokenVerifier } from './token-verifier.js';
export { TokenError, type TokenErrorKind } from './token-error.js';
export type { ChannelOverride, ConnectionClaims, ServerSideSubscription, SubscriptionClaims } from './claims.js';
export { signHmacConnectionToken, type ConnectionTokenSpec } from './token-signer.js';
export { ApiKeyAuthenticator, type ApiAuthOptions, type ApiAuthOutcome, type ApiRequestCredentials } from './api-auth.js';
