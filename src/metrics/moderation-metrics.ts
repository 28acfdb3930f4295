import { Counter, Gauge, type Registry } from 'prom-client';

/** One rate-limit refusal count as the limits keep it (layer and command from fixed sets). */
export interface RateLimitHitCount {
  layer: string;
  command: string;
  dryRun: boolean;
  count: number;
}

/** Where the operator instruments are read from at scrape; each part absent when its feature is off. */
export interface ModerationSources {
  rateLimitHits?: () => Iterable<RateLimitHitCount>;
  blocksInForce?: () => number;
  activityDropped?: () => number;
  /** Activity batches written, by whether the store took them. */
  activityWrites?: () => { ok: number; error: number };
}

/**
 * `parsec_rate_limit_hits_total`, `parsec_user_blocks`, `parsec_user_block_disconnects_total`
 * `parsec_activity_dropped_total` and `parsec_activity_writes_total`. The counts the operator instruments already keep are
 * read at scrape (nothing added on the hot path); no label names a user or a channel.
 */
export class ModerationMetrics {
  private sources: ModerationSources = {};
  private readonly blockDisconnects: Counter;

  constructor(registry: Registry, private readonly on: boolean) {
    const registers = [registry];
    const read = (): ModerationSources => this.sources;
    new Counter({
      name: 'parsec_rate_limit_hits_total',
      help: 'Commands refused by a rate limit (or that a dry-run layer would have refused), by layer and command.',
      labelNames: ['layer', 'command', 'dry_run'],
      registers,
      collect() {
        const hits = read().rateLimitHits;
        if (!hits) return;
        this.reset();
        for (const h of hits()) this.inc({ layer: h.layer, command: h.command, dry_run: String(h.dryRun) }, h.count);
      },
    });
    new Gauge({
      name: 'parsec_user_blocks',
      help: "User blocks in force on this node's block set.",
      registers,
      collect() {
        this.set(read().blocksInForce?.() ?? 0);
      },
    });
    this.blockDisconnects = new Counter({ name: 'parsec_user_block_disconnects_total', help: 'Sessions on this node ended because their user was blocked.', registers });
    const dropped = new Counter({
      name: 'parsec_activity_dropped_total',
      help: 'Activity events dropped: the buffer was full, or the store refused a batch.',
      registers,
      collect() {
        const n = read().activityDropped?.() ?? 0;
        dropped.reset();
        dropped.inc(n);
      },
    });
    new Counter({
      name: 'parsec_activity_writes_total',
      help: 'Activity batches written to the store, by outcome (ok, error: the batch was dropped).',
      labelNames: ['outcome'],
      registers,
      collect() {
        const writes = read().activityWrites;
        if (!writes) return;
        const { ok, error } = writes();
        this.reset();
        this.inc({ outcome: 'ok' }, ok);
        this.inc({ outcome: 'error' }, error);
      },
    });
  }

  /** Where the counts are read from (the composition root wires the operator instruments in). */
  watch(sources: ModerationSources): void {
    if (this.on) this.sources = sources;
  }

  /** Sessions ended here because their user was blocked. */
  blockDisconnected(count: number): void {
    if (this.on && count > 0) this.blockDisconnects.inc(count);
  }
}
