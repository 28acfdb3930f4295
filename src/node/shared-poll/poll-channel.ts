import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { randomString, type Clock, type Semaphore, type TimerHandle } from '../../lib/index.js';
import type { SharedPollItem, SharedPollRefreshCall, SharedPollRefreshOutcome } from '../../proxy/index.js';
import { KeyedHub } from './keyed-hub.js';
import type { ItemUpdate, PollTimers, SharedPollOptions } from './types.js';

/** Notified keys waiting for their immediate poll; more are dropped (the next timed poll covers them). */
export const NOTIFY_CAPACITY = 4096;

/** What the node knows of one tracked item. */
interface ItemEntry {
  /** Last version seen (the backend's, or the synthetic one in versionless mode); 0 = none yet. */
  version: number;
  /** Digest of the last data (versionless mode), to see whether it changed. */
  dataHash: string | undefined;
  /** A connection joined without the data: send the current version again even if unchanged. */
  needsBroadcast: boolean;
  /** Set by `shared_poll_publish`: the next timed poll skips the key once. */
  freshFromPublish: boolean;
}

export interface PollChannelDeps {
  /** The channel's `shared_poll_refresh` proxy. */
  refresh(call: SharedPollRefreshCall): Promise<SharedPollRefreshOutcome>;
  /** Bounds backend calls across every channel of the node (`shared_poll.concurrency_limit`). */
  semaphore: Semaphore;
  timers: PollTimers;
  clock: Clock;
  log: Logger;
  /** The channel stayed without keys for its shutdown delay and stopped; it is not used again. */
  onShutdown(channel: PollChannel): void;
}

/** What a track found for one key. */
export interface TrackedItem {
  /** The node did not poll the key before. */
  isNew: boolean;
  /** The version the node holds for the key (0 = no data yet). */
  version: number;
}

const EMPTY = new Uint8Array(0);

const digest = (data: Uint8Array): string => createHash('sha256').update(data).digest('base64');

/**
 * One shared-poll channel on this node: the items its subscribers track, the loop that
 * polls them every `refresh_interval` (in batches spread over the interval), the
 * immediate polls of keys that need data now, and the decision of what changed.
 * Connections register per key in `hub`; this class only tells the hub what to deliver.
 */
export class PollChannel {
  readonly hub = new KeyedHub();
  /** Versionless: generated per channel state, so clients reset their versions when it is recreated. Versioned: the backend's. */
  epoch: string;
  /** Backend calls made, for stats. */
  calls = 0;
  private readonly items = new Map<string, ItemEntry>();
  private versionCounter = 0;
  private readonly notified = new Set<string>();
  private notifying = false;
  private cycleTimer: TimerHandle | undefined;
  private cycleRunning = false;
  private shutdownTimer: TimerHandle | undefined;
  private closed = false;
  /** Wakes chunk dispatches waiting out their spread delay, when the channel stops. */
  private readonly sleepers = new Set<() => void>();

  constructor(
    readonly channel: string,
    readonly opts: Readonly<SharedPollOptions>,
    private readonly deps: PollChannelDeps,
  ) {
    this.epoch = opts.mode === 'versionless' ? randomString(6) : '';
  }

  get size(): number {
    return this.items.size;
  }

  get stopped(): boolean {
    return this.closed;
  }

  /** Versions the node holds, for tests and stats; undefined for an untracked key. */
  versionOf(key: string): number | undefined {
    return this.items.get(key)?.version;
  }

  /** Adds keys to the poll set (or finds them there) and makes sure the loop runs. */
  track(keys: readonly string[]): TrackedItem[] {
    this.shutdownTimer?.cancel();
    this.shutdownTimer = undefined;
    const out = keys.map((key): TrackedItem => {
      const entry = this.items.get(key);
      if (entry) return { isNew: false, version: entry.version };
      this.items.set(key, { version: 0, dataHash: undefined, needsBroadcast: false, freshFromPublish: false });
      return { isNew: true, version: 0 };
    });
    if (!this.cycleTimer && !this.cycleRunning) this.scheduleCycle(this.opts.refreshInterval);
    return out;
  }

  /** The key lost its last tracker on this node: it leaves the poll set. */
  untrack(key: string): void {
    if (this.hub.count(key) > 0 || !this.items.delete(key)) return;
    this.notified.delete(key);
    if (this.items.size === 0) this.scheduleShutdown();
  }

  /** Polls the key now rather than at the next interval (a connection is waiting for its data). */
  notify(key: string): void {
    if (this.closed || !this.items.has(key)) return;
    if (this.notified.size >= NOTIFY_CAPACITY && !this.notified.has(key)) {
      this.deps.log.debug({ channel: this.channel, key }, 'shared poll notify queue full');
      return;
    }
    this.notified.add(key);
    if (this.notifying) return;
    this.notifying = true;
    // Keys notified in the same turn (one track of many keys) go out in one call.
    queueMicrotask(() => void this.drainNotified());
  }

  /**
   * Connections joined a key the node already polls, without its current data: the next
   * poll sends them the current version even if it did not change. Keys with data are
   * polled now; keys without are already on their way.
   */
  markNeedsBroadcast(keys: readonly string[]): void {
    for (const key of keys) {
      const entry = this.items.get(key);
      if (!entry || entry.needsBroadcast) continue;
      entry.needsBroadcast = true;
      if (entry.version > 0) this.notify(key);
    }
  }

  /**
   * Data pushed by `shared_poll_publish` (versioned mode): delivered when newer than what
   * the node has, and the next timed poll skips the key.
   */
  publish(key: string, version: number, epoch: string, data: Uint8Array): void {
    if (this.closed) return;
    this.adoptEpoch(epoch);
    const entry = this.items.get(key);
    if (!entry || version <= entry.version) return;
    const prevVersion = entry.version;
    entry.version = version;
    entry.freshFromPublish = true;
    this.hub.deliverUpdate({ channel: this.channel, key, version, data, prevVersion, epoch });
  }

  /** Stops the loop for good (node shutdown). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cycleTimer?.cancel();
    this.shutdownTimer?.cancel();
    this.cycleTimer = this.shutdownTimer = undefined;
    this.notified.clear();
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
  }

  private scheduleShutdown(): void {
    this.shutdownTimer?.cancel();
    this.shutdownTimer = undefined;
    const stop = (): void => {
      this.shutdownTimer = undefined;
      if (this.items.size > 0 || this.closed) return;
      this.close();
      this.deps.onShutdown(this);
    };
    if (this.opts.channelShutdownDelay <= 0) stop();
    else this.shutdownTimer = this.deps.timers.schedule(this.opts.channelShutdownDelay, stop);
  }

  private scheduleCycle(delay: number): void {
    this.cycleTimer = this.deps.timers.schedule(delay, () => {
      this.cycleTimer = undefined;
      void this.runCycle();
    });
  }

  /** The timed poll of every key, in chunks of `refresh_batch_size` spread over the interval. */
  private async runCycle(): Promise<void> {
    if (this.closed) return;
    this.cycleRunning = true;
    const started = this.deps.clock.now();
    try {
      const keys: string[] = [];
      for (const [key, entry] of this.items) {
        // Fresh from a publish: the backend was just answered for, skip it once.
        if (entry.freshFromPublish) entry.freshFromPublish = false;
        else keys.push(key);
      }
      keys.sort();
      const chunks = chunked(keys, this.opts.refreshBatchSize);
      const spread = chunks.length > 1 ? Math.floor(this.opts.refreshInterval / chunks.length) : 0;
      const calls: Array<Promise<void>> = [];
      for (let i = 0; i < chunks.length && !this.closed; i++) {
        // Each chunk at its own offset from the cycle start, so timer lateness does not add up over the chunks.
        const due = started + i * spread - this.deps.clock.now();
        if (i > 0 && due > 0) await this.sleep(due);
        if (this.closed) break;
        calls.push(this.poll(chunks[i]!));
      }
      await Promise.all(calls);
    } finally {
      this.cycleRunning = false;
      // Period-based: the next cycle starts an interval after this one started.
      if (!this.closed && this.items.size > 0 && !this.cycleTimer) {
        this.scheduleCycle(Math.max(0, this.opts.refreshInterval - (this.deps.clock.now() - started)));
      }
    }
  }

  private async drainNotified(): Promise<void> {
    try {
      while (this.notified.size > 0 && !this.closed) {
        const keys = [...this.notified].filter((k) => this.items.has(k));
        this.notified.clear();
        for (const chunk of chunked(keys, this.opts.refreshBatchSize)) await this.poll(chunk);
      }
    } finally {
      this.notifying = false;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.sleepers.delete(wake);
        handle.cancel();
        resolve();
      };
      const handle = this.deps.timers.schedule(ms, wake);
      this.sleepers.add(wake);
    });
  }

  /** One backend call for `keys`, within the node's concurrency bound. */
  private async poll(keys: readonly string[]): Promise<void> {
    const release = await this.deps.semaphore.acquire();
    let outcome: SharedPollRefreshOutcome;
    try {
      if (this.closed) return;
      const items = keys.filter((k) => this.items.has(k)).map((key): SharedPollItem => ({ key, version: this.sentVersion(key) }));
      if (items.length === 0) return;
      this.calls++;
      outcome = await this.deps.refresh({ channel: this.channel, items });
    } catch (err) {
      this.deps.log.warn({ err, channel: this.channel }, 'shared poll refresh failed');
      return;
    } finally {
      release();
    }
    if (!this.closed) this.apply(outcome);
  }

  /** Versioned mode tells the backend what the node has, or 0 when a connection needs the data anyway. */
  private sentVersion(key: string): number {
    if (this.opts.mode === 'versionless') return 0;
    const entry = this.items.get(key)!;
    return entry.needsBroadcast ? 0 : entry.version;
  }

  /**
   * Versioned mode: a backend epoch other than the node's means its versions restarted.
   * Every subscriber is told to resubscribe (and track from version 0), and what the node
   * knew of each item is forgotten.
   */
  private adoptEpoch(epoch: string): void {
    if (this.opts.mode === 'versionless' || epoch === this.epoch) return;
    this.epoch = epoch;
    for (const entry of this.items.values()) {
      entry.version = 0;
      entry.dataHash = undefined;
      entry.needsBroadcast = false;
      entry.freshFromPublish = false;
    }
    for (const tracker of this.hub.trackers()) tracker.resetEpoch();
  }

  private apply(outcome: SharedPollRefreshOutcome): void {
    this.adoptEpoch(outcome.epoch);
    const updates: ItemUpdate[] = [];
    const removals: string[] = [];
    for (const item of outcome.items) {
      if (item.removed) {
        if (this.items.has(item.key)) removals.push(item.key);
        continue;
      }
      const entry = this.items.get(item.key);
      if (!entry) continue;
      const data = item.data ?? EMPTY;
      const update = (version: number, prevData: Uint8Array | undefined, prevVersion: number): void => {
        updates.push({ channel: this.channel, key: item.key, version, data, prevData, prevVersion, epoch: '' });
      };
      if (this.opts.mode === 'versionless' && item.version === 0) {
        const hash = digest(data);
        if (entry.version > 0 && hash === entry.dataHash) {
          if (entry.needsBroadcast) {
            entry.needsBroadcast = false;
            update(entry.version, undefined, 0);
          }
          continue;
        }
        entry.dataHash = hash;
        entry.needsBroadcast = false;
        const prevVersion = entry.version;
        entry.version = ++this.versionCounter;
        update(entry.version, undefined, prevVersion);
        continue;
      }
      if (item.version <= entry.version) {
        // Resend only a pair the backend vouches for: with a publish ahead of the backend, wait for it to catch up.
        if (entry.needsBroadcast && entry.version > 0 && item.version === entry.version) {
          entry.needsBroadcast = false;
          update(entry.version, undefined, 0);
        }
        continue;
      }
      entry.needsBroadcast = false;
      const prevVersion = entry.version;
      entry.version = item.version;
      update(item.version, item.prevData, prevVersion);
    }
    for (const u of updates) this.hub.deliverUpdate(u);
    for (const key of removals) {
      this.hub.deliverRemoval(key);
      this.items.delete(key);
      this.notified.delete(key);
    }
    if (removals.length > 0 && this.items.size === 0) this.scheduleShutdown();
  }
}

function chunked<T>(all: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  const n = Math.max(1, size);
  for (let i = 0; i < all.length; i += n) out.push(all.slice(i, i + n));
  return out;
}
