export { TokenVerifier } from './token-verifier.js';
export { TokenError, type TokenErrorKind } from './token-error.js';
export type { ChannelOverride, ConnectionClaims, ServerSideSubscription, SubscriptionClaims } from './claims.js';
export {
  SigningKeyError,
  hmacSigningKey,
  privateSigningKey,
  signConnectionToken,
  signHmacConnectionToken,
  type ConnectionTokenSpec,
  type SigningKey,
} from './token-signer.js';
export { ServerApiAuthenticator, type ApiAuthOptions, type ApiAuthOutcome, type ApiRequestCredentials } from './api-auth.js';
export { BearerVerifier, type BearerAuthOptions, type BearerOutcome } from './bearer-auth.js';
export { JwksKeySource, type JwksFetchObserver, type JwksOptions } from './jwks.js';
export { LabelsError, MAX_LABELS, MAX_LABEL_KEY_BYTES, MAX_LABEL_VALUE_BYTES, parseLabels, type Labels } from './labels.js';
export { TRACK_SIGNATURE_GRACE_SECONDS, TrackSignatureVerifier, signTrackGrant, type TrackGrant, type TrackSignatureKeys } from './track-signature.js';
export { TopicAcl, TopicAclError, checkTopicAcl } from './topic-acl.js';
