import type { BucketConfig, CommandLayerConfig } from '../config/index.js';
import type { BucketSpec } from '../lib/index.js';

/** Commands a layer limits, by their names in Centrifugo PRO's config. */
export const LIMITED_COMMANDS = ['connect', 'subscribe', 'unsubscribe', 'publish', 'history', 'presence', 'presence_stats', 'refresh', 'sub_refresh', 'rpc'] as const;
export type LimitedCommand = (typeof LIMITED_COMMANDS)[number];

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
};

const NONE: readonly number[] = [];

/**
 * One layer's buckets compiled to slot numbers of a BucketArray: each command gets its
 * own slots (its buckets, else a copy of `default`), `total` its own, each RPC method
 * override its own. Immutable: a settings change compiles a new policy, and a connection
 * holding the old one starts afresh on the new one.
 */
export class CommandPolicy {
  readonly specs: BucketSpec[] = [];
  /** Slots every allowed command also takes from; empty when `total` is off. */
  readonly total: readonly number[];
  private readonly byCommand = new Map<LimitedCommand, readonly number[]>();
  private readonly byMethod = new Map<string, readonly number[]>();

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

  /** The slots a command takes from (an RPC method override replaces the `rpc` buckets). */
  slots(command: LimitedCommand, method = ''): readonly number[] {
    if (command === 'rpc' && method !== '') {
      const m = this.byMethod.get(method);
      if (m) return m;
    }
    return this.byCommand.get(command) ?? NONE;
  }

  /** The bucket specs behind slots, for a store that keeps buckets by spec (Redis). */
  specsOf(slots: readonly number[]): BucketSpec[] {
    return slots.map((s) => this.specs[s]!);
  }

  /** How a hit is counted: `rpc.<method>` only for methods with an override (bounded by the config). */
  hitName(command: LimitedCommand, method = ''): string {
    return command === 'rpc' && method !== '' && this.byMethod.has(method) ? `rpc.${method}` : command;
  }
}
