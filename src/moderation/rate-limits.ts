import type { Logger } from 'pino';
import { rateLimitOverridesSchema, type RateLimitConfig, type RateLimitOverrides } from '../config/index.js';
import { BucketArray, type BucketSpec, type Clock } from '../lib/index.js';
import { CommandPolicy, type LimitedCommand } from './command-policy.js';
import { IpConnectLimiter } from './ip-connect.js';
import type { BucketVerdict, KeyedBuckets } from './keyed-buckets.js';
import type { ModerationStore, StoredRateLimits } from './store.js';

export type RateLimitLayer = 'client_command' | 'redis_user_command' | 'client_error' | 'ip_connect';

/** Refusals (or dry-run would-be refusals) of one layer and command on this node. */
export interface RateLimitHit {
  layer: RateLimitLayer;
  /** A limited command, `total`, `error`, or `rpc.<method>` for a configured method override. */
  command: string;
  dryRun: boolean;
  count: number;
}

/** Live settings as the control plane carries them: the overrides now in force (undefined = the file's). */
export interface RateLimitsNotice {
  stored: StoredRateLimits | undefined;
}

/** Settings `rate_limits_set` refused, naming the field. */
export class RateLimitSettingsError extends Error {
  override readonly name = 'RateLimitSettingsError';
  readonly code = 'PARSEC_RATE_LIMIT_SETTINGS';
}

/** One connection's buckets, made on its first limited command and remade when the settings change. */
export class ConnectionLimits {
  constructor(
    readonly policy: CommandPolicy | undefined,
    readonly commands: BucketArray | undefined,
    readonly errors: ErrorPolicy | undefined,
    readonly errorBuckets: BucketArray | undefined,
  ) {}
}

/** Where a connection keeps its buckets (the Client). */
export interface LimitsHolder {
  limits: ConnectionLimits | undefined;
}

interface ErrorPolicy {
  specs: BucketSpec[];
  slots: number[];
  dryRun: boolean;
}

export interface RateLimitsDeps {
  /** The config file's `client.rate_limit`: what a layer without an override is. */
  defaults: RateLimitConfig;
  store: ModerationStore;
  /** Per-user buckets: Redis (shared by the cluster) or this process. */
  users: KeyedBuckets;
  clock: Clock;
  log: Logger;
}

/**
 * The file's layers with each overridden one replaced as a whole. `given` are the layers the
 * settings name: a layer left out parses to its defaults, which is not what it means here.
 */
function merge(defaults: RateLimitConfig, o: RateLimitOverrides, given: ReadonlySet<string>): RateLimitConfig {
  const pick = <T>(name: string, override: T | undefined, file: T): T => (given.has(name) && override ? override : file);
  return {
    clientCommand: pick('client_command', o.client_command, defaults.clientCommand),
    redisUserCommand: pick('redis_user_command', o.redis_user_command, defaults.redisUserCommand),
    clientError: pick('client_error', o.client_error, defaults.clientError),
    ipConnect: pick('ip_connect', o.ip_connect, defaults.ipConnect),
  };
}

/** Validates live settings (wire names), naming the first bad field. */
export function parseOverrides(settings: unknown): RateLimitOverrides {
  const parsed = rateLimitOverridesSchema.safeParse(settings ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join('.');
  throw new RateLimitSettingsError(`settings${field ? `.${field}` : ''}: ${issue.message}`);
}

/**
 * Centrifugo PRO's operation rate limits on one node: per-connection command buckets in
 * memory, per-user buckets across the cluster, client errors per connection, connect
 * attempts per address. The settings are the config file's, each layer replaceable at
 * runtime (`rate_limits_set`, kept in the store and carried to every node). A layer in dry
 * run counts what it would refuse and lets it through.
 */
export class RateLimits {
  private config: RateLimitConfig;
  private stored: StoredRateLimits | undefined;
  private clientPolicy: CommandPolicy | undefined;
  private userPolicy: CommandPolicy | undefined;
  private errorPolicy: ErrorPolicy | undefined;
  private ip: IpConnectLimiter;
  /** Refusals (and dry-run would-be refusals) by `layer/command/dry_run`; bounded by the commands and configured RPC overrides. */
  private readonly hits = new Map<string, number>();

  constructor(private readonly deps: RateLimitsDeps) {
    this.config = deps.defaults;
    this.ip = new IpConnectLimiter(deps.defaults.ipConnect);
    this.compile();
  }

  /** Loads the stored overrides; rejects when the store cannot answer. */
  async start(): Promise<void> {
    this.apply({ stored: await this.deps.store.rateLimits() });
  }

  /** The settings in force and the overrides behind them. */
  current(): { config: RateLimitConfig; stored: StoredRateLimits | undefined } {
    return { config: this.config, stored: this.stored };
  }

  /** Validates and stores new overrides, applies them here; the caller sends the notice to every node. */
  async set(settings: unknown, by: string): Promise<RateLimitsNotice> {
    parseOverrides(settings);
    const stored: StoredRateLimits = { settings: settings as Record<string, unknown>, updatedAt: this.deps.clock.now(), updatedBy: by };
    await this.deps.store.setRateLimits(stored);
    this.apply({ stored });
    this.deps.log.info({ by, layers: Object.keys(stored.settings) }, 'rate limits changed');
    return { stored };
  }

  /** A notice from the control plane (this node's own included); a node-local store records other nodes' changes. */
  async receive(notice: RateLimitsNotice, fromOtherNode: boolean): Promise<void> {
    this.apply(notice);
    if (fromOtherNode && !this.deps.store.shared && notice.stored) await this.deps.store.setRateLimits(notice.stored);
  }

  private apply({ stored }: RateLimitsNotice): void {
    this.stored = stored;
    this.config = stored ? merge(this.deps.defaults, parseOverrides(stored.settings), new Set(Object.keys(stored.settings))) : this.deps.defaults;
    this.compile();
  }

  private compile(): void {
    const { clientCommand, redisUserCommand, clientError, ipConnect } = this.config;
    this.clientPolicy = clientCommand.enabled ? new CommandPolicy(clientCommand) : undefined;
    this.userPolicy = redisUserCommand.enabled ? new CommandPolicy(redisUserCommand) : undefined;
    const errorSpecs = clientError.enabled && clientError.total.enabled ? clientError.total.buckets.map((b) => ({ interval: b.interval, rate: b.rate })) : [];
    this.errorPolicy = errorSpecs.length > 0 ? { specs: errorSpecs, slots: errorSpecs.map((_, i) => i), dryRun: clientError.dryRun } : undefined;
    if (ipConnect !== this.ip.cfg) this.ip = new IpConnectLimiter(ipConnect);
  }

  private hit(layer: RateLimitLayer, command: string, dryRun: boolean): void {
    const key = `${layer}/${command}/${dryRun}`;
    this.hits.set(key, (this.hits.get(key) ?? 0) + 1);
  }

  /** The refusal counts, by layer, command and dry run. */
  *hitCounts(): Iterable<RateLimitHit> {
    for (const [key, count] of this.hits) {
      // The command sits between the first and the last '/': an RPC method name may hold one.
      const first = key.indexOf('/');
      const last = key.lastIndexOf('/');
      yield { layer: key.slice(0, first) as RateLimitLayer, command: key.slice(first + 1, last), dryRun: key.slice(last + 1) === 'true', count };
    }
  }

  /** The connection's buckets for the settings now in force (the same object while they hold). */
  private stateOf(limits: ConnectionLimits | undefined): ConnectionLimits {
    if (limits && limits.policy === this.clientPolicy && limits.errors === this.errorPolicy) return limits;
    const p = this.clientPolicy;
    const e = this.errorPolicy;
    return new ConnectionLimits(p, p && p.specs.length > 0 ? new BucketArray(p.specs) : undefined, e, e && new BucketArray(e.specs));
  }

  /**
   * The per-connection check of one command: its buckets, then `total` (charged only when
   * the command passed its own). `unsubscribe` is charged but never refused, as in
   * Centrifugo PRO: refusing it makes SDKs reconnect. Returns whether the command may run;
   * the connection's buckets are kept in `holder` (nothing is allocated per command).
   */
  checkConnection(holder: LimitsHolder, command: LimitedCommand, method: string): boolean {
    if (!this.clientPolicy) return true;
    const state = (holder.limits = this.stateOf(holder.limits));
    const p = state.policy!;
    const buckets = state.commands;
    if (!buckets) return true;
    const now = this.deps.clock.now();
    const own = buckets.take(p.slots(command, method), now) === 0;
    const total = own || command === 'unsubscribe' ? buckets.take(p.total, now) === 0 : true;
    if (own && total) return true;
    this.hit('client_command', own ? 'total' : p.hitName(command, method), p.dryRun);
    return p.dryRun || command === 'unsubscribe';
  }

  /** Whether per-user limits apply to this command at all (so callers skip the round trip). */
  limitsUser(user: string, command: LimitedCommand, method = ''): boolean {
    return user !== '' && this.userPolicy !== undefined && command !== 'unsubscribe' && this.userPolicy.slots(command, method).length > 0;
  }

  /**
   * The per-user check, across the cluster when the buckets are in Redis. A bucket store
   * that can't answer lets the command through (logged): limits protect the server, and
   * refusing every user while Redis is away would be an outage of its own.
   */
  async checkUser(user: string, command: LimitedCommand, method: string): Promise<boolean> {
    const p = this.userPolicy;
    if (!p) return true;
    const slots = p.slots(command, method);
    if (slots.length === 0) return true;
    const name = p.hitName(command, method);
    let allowed: boolean;
    try {
      allowed = (await this.deps.users.take(`u:${user}:${name}`, p.specsOf(slots), 1)).allowed;
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'per-user rate limit store unavailable; command let through');
      return true;
    }
    if (allowed) return true;
    this.hit('redis_user_command', name, p.dryRun);
    return p.dryRun;
  }

  /**
   * Counts a client error against the connection's budget. Returns whether the connection
   * is over it (and should be disconnected).
   */
  countError(holder: LimitsHolder): boolean {
    if (!this.errorPolicy) return false;
    const state = (holder.limits = this.stateOf(holder.limits));
    const e = state.errors!;
    if (state.errorBuckets!.take(e.slots, this.deps.clock.now()) === 0) return false;
    this.hit('client_error', 'error', e.dryRun);
    return !e.dryRun;
  }

  /** Whether a connect attempt from `ip` may go on (`ip_connect`). */
  allowConnectFrom(ip: string): boolean {
    if (!this.ip.enabled) return true;
    if (this.ip.take(ip, this.deps.clock.now())) return true;
    this.hit('ip_connect', 'connect', this.ip.cfg.dryRun);
    return this.ip.cfg.dryRun;
  }

  /** The distributed `rate_limit` API method: one bucket by key, any spec, `score` tokens. */
  rateLimit(key: string, spec: BucketSpec, score: number): Promise<BucketVerdict> {
    return this.deps.users.take(`k:${key}`, [spec], score);
  }
}
