import type { Logger } from 'pino';
import { rateLimitOverridesSchema, type RateLimitConfig, type RateLimitOverrides } from '../config/index.js';
import { BucketArray, RecentKeys, type BucketSpec, type Clock } from '../lib/index.js';
import { CommandPolicy, neverRefused, type LimitedCommand } from './command-policy.js';
import { IpConcurrency, IpConnectLimiter } from './ip-connect.js';
import type { BucketVerdict, KeyedBuckets } from './keyed-buckets.js';
import type { ModerationStore, StoredRateLimits } from './store.js';

export type RateLimitLayer = 'client_command' | 'user_command' | 'redis_user_command' | 'client_error' | 'ip_connect';

/** What the per-connection check decides: run the command, refuse it with 111, or end the connection (`disconnect_on_accounted_limit`). */
export type ConnectionVerdict = 'allow' | 'refuse' | 'disconnect';

/**
 * Whether a connection may open (`ip_connect`); when it may, `release` must be called once
 * it closes (it frees the address's place under `max_concurrent_per_ip`; a no-op otherwise).
 */
export type ConnectAdmission = { allowed: true; release: () => void } | { allowed: false; reason: 'rate' | 'concurrent' };

/** Admitted with nothing to release: no listener is needed for the connection's close. */
export const ADMITTED: ConnectAdmission = { allowed: true, release: () => {} };
const OVER_RATE: ConnectAdmission = { allowed: false, reason: 'rate' };
const OVER_CONCURRENT: ConnectAdmission = { allowed: false, reason: 'concurrent' };

/** Users whose in-memory buckets a node keeps at most; the long unused are forgotten. */
const MAX_LOCAL_USERS = 100_000;

/**
 * A user's buckets held in this process, one entry for both per-user layers so a check
 * looks the user up once: `user_command`'s, and `redis_user_command`'s when no Redis holds
 * them (then they are this node's). Each is made on the user's first command it limits.
 */
export class UserBuckets {
  here: BucketArray | undefined = undefined;
  node: BucketArray | undefined = undefined;

  /** The table holding the entry: a connection's copy of it is good while that table is in force. */
  constructor(readonly table: RecentKeys<UserBuckets>) {}
}

/**
 * One command against one layer's buckets: its own (or `default`'s, or an override's), then
 * `total`, charged only when the own ones passed (`unsubscribe` always charges it, being never
 * refused). `connect` takes no `total`: it is not a command of a connection. Says what refused.
 */
function takeCommand(p: CommandPolicy, b: BucketArray, command: LimitedCommand, detail: string, now: number): 'ok' | 'own' | 'total' {
  const own = b.take(p.slots(command, detail), now) === 0;
  const total = command === 'connect' || !(own || neverRefused(command)) || b.take(p.total, now) === 0;
  if (!own) return 'own';
  return total ? 'ok' : 'total';
}

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

/**
 * One connection's buckets, made on its first limited command and remade when the settings
 * change. The error buckets are made on the first error (most connections make none).
 */
export class ConnectionLimits {
  errorBuckets: BucketArray | undefined = undefined;

  constructor(
    readonly policy: CommandPolicy | undefined,
    readonly commands: BucketArray | undefined,
    readonly errors: ErrorPolicy | undefined,
  ) {}
}

/** Where a connection keeps its buckets (the Client). */
export interface LimitsHolder {
  limits: ConnectionLimits | undefined;
  /**
   * Its user's entry, found once per connection: the commands after the first need no
   * lookup. An entry the table has since forgotten (past its bound) errs on the side of
   * allowing, as forgetting does.
   */
  userLimits?: UserBuckets | undefined;
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
    userCommand: pick('user_command', o.user_command, defaults.userCommand),
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
  private disconnectOnAccounted = false;
  /** `user_command`: per-user buckets of this node. */
  private localUserPolicy: CommandPolicy | undefined;
  /** `redis_user_command`: per-user buckets in Redis, or in `users` when this process holds them. */
  private userPolicy: CommandPolicy | undefined;
  /** Per-user buckets in this process, started afresh when either per-user layer's settings change. */
  private users = new RecentKeys<UserBuckets>(MAX_LOCAL_USERS);
  /** Whether some layer has channel namespace overrides, so callers resolve namespaces (else they pass ''). */
  namespacesUsed = false;
  private errorPolicy: ErrorPolicy | undefined;
  private ip: IpConnectLimiter;
  /** Open connections per address; kept across settings changes (the connections stay open). */
  private readonly concurrency = new IpConcurrency();
  /** Refusals (and dry-run would-be refusals) by `layer/command/dry_run`; bounded by the commands and configured RPC overrides. */
  private readonly hits = new Map<string, number>();

  constructor(private readonly deps: RateLimitsDeps) {
    this.config = deps.defaults;
    this.ip = new IpConnectLimiter(deps.defaults.ipConnect);
    this.compile();
    if (deps.defaults.clientCommand.disconnectOnAccountedLimit && !deps.defaults.ipConnect.enabled) {
      // A client disconnected for good can still open a new connection at once.
      deps.log.warn('client.rate_limit.client_command.disconnect_on_accounted_limit is set without client.rate_limit.ip_connect: disconnected clients may reconnect at once');
    }
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
    const { clientCommand, userCommand, redisUserCommand, clientError, ipConnect } = this.config;
    this.clientPolicy = clientCommand.enabled ? new CommandPolicy(clientCommand) : undefined;
    this.disconnectOnAccounted = clientCommand.disconnectOnAccountedLimit;
    // A layer whose settings did not change keeps its policy, so users keep their buckets.
    const localChanged = (userCommand.enabled ? userCommand : undefined) !== this.localUserPolicy?.layer;
    if (localChanged) this.localUserPolicy = userCommand.enabled ? new CommandPolicy(userCommand) : undefined;
    const clusterChanged = (redisUserCommand.enabled ? redisUserCommand : undefined) !== this.userPolicy?.layer;
    if (clusterChanged) this.userPolicy = redisUserCommand.enabled ? new CommandPolicy(redisUserCommand) : undefined;
    if (localChanged || (clusterChanged && !this.deps.users.shared)) this.users = new RecentKeys(MAX_LOCAL_USERS);
    this.namespacesUsed = [this.clientPolicy, this.localUserPolicy, this.userPolicy].some((p) => p?.byNamespaceUsed === true);
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
    return new ConnectionLimits(p, p && p.specs.length > 0 ? new BucketArray(p.specs) : undefined, e);
  }

  /*
   * The checks below take `detail`: the RPC method for `rpc`, the channel's namespace for
   * channel commands when `namespacesUsed` (overrides by either replace the command's buckets).
   */

  /**
   * The per-connection check of one command: its buckets, then `total`. `unsubscribe` is
   * charged but never refused, as in Centrifugo PRO: refusing it makes SDKs reconnect; with
   * `disconnect_on_accounted_limit` one over its own buckets ends the connection instead.
   * The connection's buckets are kept in `holder` (nothing is allocated per command).
   */
  checkConnection(holder: LimitsHolder, command: LimitedCommand, detail: string): ConnectionVerdict {
    if (!this.clientPolicy) return 'allow';
    const state = (holder.limits = this.stateOf(holder.limits));
    const p = state.policy!;
    const buckets = state.commands;
    if (!buckets) return 'allow';
    const verdict = takeCommand(p, buckets, command, detail, this.deps.clock.now());
    if (verdict === 'ok') return 'allow';
    this.hit('client_command', verdict === 'total' ? 'total' : p.hitName(command, detail), p.dryRun);
    if (p.dryRun) return 'allow';
    if (!neverRefused(command)) return 'refuse';
    return verdict === 'own' && this.disconnectOnAccounted ? 'disconnect' : 'allow';
  }

  private bucketsOf(user: string, holder: LimitsHolder | undefined): UserBuckets {
    const kept = holder?.userLimits;
    if (kept !== undefined && kept.table === this.users) return kept;
    let b = this.users.get(user);
    if (b === undefined) this.users.set(user, (b = new UserBuckets(this.users)));
    if (holder) holder.userLimits = b;
    return b;
  }

  /**
   * The per-user checks of one command: `user_command` (this node's buckets, in memory),
   * then `redis_user_command` (across the cluster when its buckets are in Redis: a promise
   * then; a plain answer when this process holds them). Anonymous connections have no user
   * to count (client_command and ip_connect cover them); `unsubscribe` and `untrack` are
   * charged to `user_command` but never refused, and skip Redis. Never disconnects.
   *
   * A bucket store that can't answer lets the command through (logged): limits protect the
   * server, and refusing every user while Redis is away would be an outage of its own.
   */
  checkUser(user: string, command: LimitedCommand, detail: string, holder?: LimitsHolder): boolean | Promise<boolean> {
    if (user === '') return true;
    const here = this.localUserPolicy;
    let entry: UserBuckets | undefined;
    if (here !== undefined && here.specs.length > 0) {
      entry = this.bucketsOf(user, holder);
      const verdict = takeCommand(here, (entry.here ??= new BucketArray(here.specs)), command, detail, this.deps.clock.now());
      if (verdict !== 'ok') {
        this.hit('user_command', verdict === 'total' ? 'total' : here.hitName(command, detail), here.dryRun);
        if (!here.dryRun && !neverRefused(command)) return false;
      }
    }
    const p = this.userPolicy;
    if (p === undefined || neverRefused(command)) return true;
    const slots = p.slots(command, detail);
    if (slots.length === 0) return true;
    if (!this.deps.users.shared) {
      const node = ((entry ?? this.bucketsOf(user, holder)).node ??= new BucketArray(p.specs));
      return this.userVerdict(p, node.take(slots, this.deps.clock.now()) === 0, command, detail);
    }
    const verdict = this.deps.users.take(`u:${user}:${p.bucketName(command, detail)}`, p.specsOf(slots), 1);
    if (!(verdict instanceof Promise)) return this.userVerdict(p, verdict.allowed, command, detail);
    return verdict.then(
      (v) => this.userVerdict(p, v.allowed, command, detail),
      (err: unknown) => {
        this.deps.log.warn({ err: (err as Error).message }, 'per-user rate limit store unavailable; command let through');
        return true;
      },
    );
  }

  private userVerdict(p: CommandPolicy, allowed: boolean, command: LimitedCommand, detail: string): boolean {
    if (allowed) return true;
    this.hit('redis_user_command', p.hitName(command, detail), p.dryRun);
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
    if ((state.errorBuckets ??= new BucketArray(e.specs)).take(e.slots, this.deps.clock.now()) === 0) return false;
    this.hit('client_error', 'error', e.dryRun);
    return !e.dryRun;
  }

  /**
   * Whether a connection from `ip` may open (`ip_connect`): its buckets, then how many
   * connections it holds (`max_concurrent_per_ip`). In dry run both count and let through.
   */
  /** Whether `admitConnection` looks at the address at all (`ip_connect` on). */
  get checksAddresses(): boolean {
    return this.ip.cfg.enabled;
  }

  admitConnection(ip: string): ConnectAdmission {
    const cfg = this.ip.cfg;
    if (!cfg.enabled) return ADMITTED;
    if (this.ip.enabled && !this.ip.take(ip, this.deps.clock.now())) {
      this.hit('ip_connect', 'connect', cfg.dryRun);
      if (!cfg.dryRun) return OVER_RATE;
    }
    if (cfg.maxConcurrentPerIp === 0) return ADMITTED;
    if (this.concurrency.held(ip) >= cfg.maxConcurrentPerIp) {
      this.hit('ip_connect', 'concurrent', cfg.dryRun);
      if (!cfg.dryRun) return OVER_CONCURRENT;
    }
    return { allowed: true, release: this.concurrency.hold(ip) };
  }

  /** The distributed `rate_limit` API method: one bucket by key, any spec, `score` tokens. */
  rateLimit(key: string, spec: BucketSpec, score: number): BucketVerdict | Promise<BucketVerdict> {
    return this.deps.users.take(`k:${key}`, [spec], score);
  }
}
