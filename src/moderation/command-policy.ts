import type { BucketConfig, CommandLayerConfig } from '../config/index.js';
import type { BucketSpec } from '../lib/index.js';

/** Commands a layer limits, by their names in Centrifugo PRO's config. */
export const LIMITED_COMMANDS = [
  'connect',
  'subscribe',
  'unsubscribe',
  'publish',
  'history',
  'presence',
  'presence_stats',
  'refresh',
  'sub_refresh',
  'rpc',
  'map_publish',
  'map_remove',
  'track',
  'untrack',
] as const;
export type LimitedCommand = (typeof LIMITED_COMMANDS)[number];

/**
 * Commands that let go of something (a subscription, tracked keys): charged but never refused,
 * as Centrifugo PRO does for `unsubscribe`, since refusing one makes SDKs resubscribe or
 * reconnect to get out of a state the client asked to leave.
 */
export function neverRefused(command: LimitedCommand): boolean {
  return command === 'unsubscribe' || command === 'untrack';
}

const camel: Record<LimitedCommand, Exclude<keyof CommandLayerConfig, 'enabled' | 'dryRun' | 'total' | 'default'>> = {
  connect: 'connect',
  subscribe: 'subscribe',
  unsubscribe: 'unsubscribe',
  publish: 'publish',
  history: 'history',
  presence: 'presence',
  presence_stats: 'presenceStats',
  refresh: 'refresh',
  sub_refresh: 'subRefresh',
  rpc: 'rpc',
  map_publish: 'mapPublish',
  map_remove: 'mapRemove',
  track: 'track',
  untrack: 'untrack',
};

const NONE: readonly number[] = [];

/** Commands on one channel, which `namespace_overrides` may give other buckets per namespace. */
const CHANNEL_COMMANDS: ReadonlySet<LimitedCommand> = new Set(LIMITED_COMMANDS.filter((c) => c !== 'connect' && c !== 'refresh' && c !== 'rpc'));


/**
 * One layer's buckets compiled to slot numbers of a BucketArray: each command gets its
 * own slots (its buckets, else a copy of `default`), `total` its own, each RPC method
 * override and each channel namespace override its own. Immutable: a settings change compiles a new policy, and a connection
 * holding the old one starts afresh on the new one.
 */
export class CommandPolicy {
  readonly specs: BucketSpec[] = [];
  /** Slots every allowed command also takes from; empty when `total` is off. */
  readonly total: readonly number[];
  private readonly byCommand = new Map<LimitedCommand, readonly number[]>();
  private readonly byMethod = new Map<string, readonly number[]>();
  /** Per channel command, the slots of each namespace with an override. */
  private readonly byNamespace = new Map<LimitedCommand, Map<string, readonly number[]>>();
  /** Whether some command has a namespace override (else callers need not resolve namespaces). */
  readonly byNamespaceUsed: boolean;
  /** `specsOf` answers, one list per slot group: the same list every time, nothing allocated per check. */
  private readonly specsBySlots = new Map<readonly number[], BucketSpec[]>();

  constructor(readonly layer: CommandLayerConfig) {
    this.total = this.group(layer.total.enabled, layer.total.buckets);
    const defaults = layer.default.enabled ? layer.default.buckets : [];
    for (const command of LIMITED_COMMANDS) {
      const g = layer[camel[command]];
      this.byCommand.set(command, this.allocate(g.enabled ? g.buckets : defaults));
    }
    for (const o of layer.rpc.methodOverrides) {
      if (!o.enabled) continue;
      this.byMethod.set(o.method, this.allocate(o.buckets.length > 0 ? o.buckets : defaults));
    }
    for (const command of CHANNEL_COMMANDS) {
      const overrides = (layer[camel[command]] as CommandLayerConfig['publish']).namespaceOverrides.filter((o) => o.enabled);
      if (overrides.length === 0) continue;
      this.byNamespace.set(command, new Map(overrides.map((o) => [o.namespace_name, this.allocate(o.buckets.length > 0 ? o.buckets : defaults)])));
    }
    this.byNamespaceUsed = this.byNamespace.size > 0;
  }

  get dryRun(): boolean {
    return this.layer.dryRun;
  }

  private group(enabled: boolean, buckets: readonly BucketConfig[]): readonly number[] {
    return enabled ? this.allocate(buckets) : NONE;
  }

  private allocate(buckets: readonly BucketConfig[]): readonly number[] {
    if (buckets.length === 0) return NONE;
    const first = this.specs.length;
    for (const b of buckets) this.specs.push({ interval: b.interval, rate: b.rate });
    return buckets.map((_, i) => first + i);
  }

  /** The override behind `detail` (an RPC method, or a channel command's namespace), if any. */
  private override(command: LimitedCommand, detail: string): readonly number[] | undefined {
    if (command === 'rpc') return detail !== '' ? this.byMethod.get(detail) : undefined;
    return this.byNamespaceUsed ? this.byNamespace.get(command)?.get(detail) : undefined;
  }

  /**
   * The slots a command takes from. `detail` is the RPC method for `rpc` and the channel's
   * namespace for channel commands: an override for it replaces the command's buckets.
   */
  slots(command: LimitedCommand, detail = ''): readonly number[] {
    return this.override(command, detail) ?? this.byCommand.get(command) ?? NONE;
  }

  /** The bucket specs behind slots, for a store that keeps buckets by spec (Redis). */
  specsOf(slots: readonly number[]): readonly BucketSpec[] {
    let specs = this.specsBySlots.get(slots);
    if (specs === undefined) this.specsBySlots.set(slots, (specs = slots.map((s) => this.specs[s]!)));
    return specs;
  }

  /** How a hit is counted: `rpc.<method>` only for methods with an override (bounded by the config); namespaces are not told apart. */
  hitName(command: LimitedCommand, detail = ''): string {
    return command === 'rpc' && detail !== '' && this.byMethod.has(detail) ? `rpc.${detail}` : command;
  }

  /** The name of the buckets a command takes from, for stores that keep them by name (per-user Redis buckets): overrides have their own. */
  bucketName(command: LimitedCommand, detail = ''): string {
    if (command === 'rpc') return this.hitName(command, detail);
    return this.override(command, detail) ? `${command}@${detail}` : command;
  }
}
