import { LabelsError, parseLabels, type Labels } from './labels.js';
import { TokenError } from './token-error.js';
import { TopicAcl, TopicAclError } from './topic-acl.js';

/** Per-channel options of a server-side subscription or a subscription token. */
export interface ChannelOverride {
  presence?: boolean;
  joinLeave?: boolean;
  forcePushJoinLeave?: boolean;
  forceRecovery?: boolean;
  forcePositioning?: boolean;
}

export interface ServerSideSubscription {
  info?: Uint8Array;
  data?: Uint8Array;
  override?: ChannelOverride;
}

/** A verified connection token, mapped to what a session needs. */
export interface ConnectionClaims {
  user: string;
  /** Unix seconds when the connection expires; 0 = never. */
  expireAt: number;
  info?: Uint8Array;
  /** Server-side subscriptions; `subs` entries take precedence over `channels`. */
  subs: Map<string, ServerSideSubscription>;
  meta?: Uint8Array;
  tokenId?: string;
  issuedAt?: number;
  /** The `labels` claim, validated (fleet operations select connections by it). */
  labels?: Labels;
  /** The `topicAcl` claim (MQTT clients), `{sub}` already replaced by the user id; undefined when absent. */
  topicAcl?: TopicAcl;
}

export interface SubscriptionClaims {
  user: string;
  channel: string;
  client?: string;
  expireAt: number;
  info?: Uint8Array;
  data?: Uint8Array;
  override?: ChannelOverride;
  tokenId?: string;
  issuedAt?: number;
}

type Claims = Record<string, unknown>;

function invalid(message: string): never {
  throw new TokenError('invalid', message);
}

function str(c: Claims, k: string): string | undefined {
  const v = c[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') invalid(`claim "${k}" must be a string`);
  return v;
}

function num(c: Claims, k: string): number | undefined {
  const v = c[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) invalid(`claim "${k}" must be a number`);
  return v;
}

/** A JSON payload claim (`info`, `data`) or its base64 twin (`b64info`, `b64data`). */
function payload(c: Claims, jsonKey: string, b64Key: string): Uint8Array | undefined {
  if (c[jsonKey] !== undefined && c[jsonKey] !== null) return Buffer.from(JSON.stringify(c[jsonKey]));
  const b64 = str(c, b64Key);
  return b64 ? Buffer.from(b64, 'base64') : undefined;
}

function override(v: unknown, where: string): ChannelOverride | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) invalid(`${where} must be an object`);
  const o = v as Claims;
  const flag = (k: string): boolean | undefined => {
    const f = o[k];
    if (f === undefined || f === null) return undefined;
    const value = typeof f === 'object' ? (f as Claims).value : undefined;
    if (typeof value !== 'boolean') invalid(`${where}.${k} must be {"value": bool}`);
    return value;
  };
  return {
    presence: flag('presence'),
    joinLeave: flag('join_leave'),
    forcePushJoinLeave: flag('force_push_join_leave'),
    forceRecovery: flag('force_recovery'),
    forcePositioning: flag('force_positioning'),
  };
}

/** Expiration of a connection or subscription: `expire_at` (0 = never) wins over `exp`. */
function expiry(c: Claims): number {
  const expireAt = num(c, 'expire_at');
  if (expireAt !== undefined) return expireAt;
  return num(c, 'exp') ?? 0;
}

/** The listed claims as a JSON object, for tokens from IdPs that know nothing of `info`. */
function infoFromClaims(c: Claims, names: readonly string[]): Uint8Array | undefined {
  const picked = names.filter((n) => c[n] !== undefined).map((n) => [n, c[n]] as const);
  return picked.length > 0 ? Buffer.from(JSON.stringify(Object.fromEntries(picked))) : undefined;
}

function labelsClaim(v: unknown): Labels | undefined {
  if (v === undefined || v === null) return undefined;
  try {
    return parseLabels(v);
  } catch (err) {
    if (err instanceof LabelsError) invalid(`claim "labels": ${err.message}`);
    throw err;
  }
}

function topicAclClaim(v: unknown, user: string): TopicAcl | undefined {
  if (v === undefined || v === null) return undefined;
  try {
    return TopicAcl.parse(v, user);
  } catch (err) {
    if (err instanceof TopicAclError) invalid(`claim ${err.message}`);
    throw err;
  }
}

export function connectionClaims(c: Claims, userIdClaim: string, infoClaims: readonly string[] = []): ConnectionClaims {
  if (c.channel !== undefined) invalid('connection token must not have a "channel" claim');
  const subs = new Map<string, ServerSideSubscription>();
  const channels = c.channels;
  if (channels !== undefined && channels !== null) {
    if (!Array.isArray(channels) || channels.some((ch) => typeof ch !== 'string')) invalid('claim "channels" must be an array of strings');
    for (const ch of channels as string[]) subs.set(ch, {});
  }
  const subsClaim = c.subs;
  if (subsClaim !== undefined && subsClaim !== null) {
    if (typeof subsClaim !== 'object' || Array.isArray(subsClaim)) invalid('claim "subs" must be an object');
    for (const [ch, opts] of Object.entries(subsClaim as Claims)) {
      const o = (opts ?? {}) as Claims;
      if (typeof o !== 'object' || Array.isArray(o)) invalid(`claim "subs.${ch}" must be an object`);
      subs.set(ch, { info: payload(o, 'info', 'b64info'), data: payload(o, 'data', 'b64data'), override: override(o.override, `subs.${ch}.override`) });
    }
  }
  const user = str(c, userIdClaim) ?? '';
  return {
    user,
    expireAt: expiry(c),
    info: payload(c, 'info', 'b64info') ?? infoFromClaims(c, infoClaims),
    subs,
    meta: c.meta !== undefined && c.meta !== null ? Buffer.from(JSON.stringify(c.meta)) : undefined,
    tokenId: str(c, 'jti'),
    issuedAt: num(c, 'iat'),
    labels: labelsClaim(c.labels),
    topicAcl: topicAclClaim(c.topicAcl, user),
  };
}

export function subscriptionClaims(c: Claims, userIdClaim: string): SubscriptionClaims {
  const channel = str(c, 'channel');
  if (!channel) invalid('subscription token must have a "channel" claim');
  return {
    user: str(c, userIdClaim) ?? '',
    channel,
    client: str(c, 'client'),
    expireAt: expiry(c),
    info: payload(c, 'info', 'b64info'),
    data: payload(c, 'data', 'b64data'),
    override: override(c.override, 'override'),
    tokenId: str(c, 'jti'),
    issuedAt: num(c, 'iat'),
  };
}
