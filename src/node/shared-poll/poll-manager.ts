import type { Logger } from 'pino';
import { Semaphore, randomString, type Clock } from '../../lib/index.js';
import type { SharedPollRefreshProxy } from '../../proxy/index.js';
import { PollChannel, type TrackedItem } from './poll-channel.js';
import type { KeyTracker, PollTimers, SharedPollOptions } from './types.js';

/**
 * Carries `shared_poll_publish` between nodes (the broker): a node relays the channels it
 * has state for, and a publish goes to every node, this one included.
 */
export interface PublishRelay {
  join(channel: string): void;
  leave(channel: string): void;
  publish(channel: string, key: string, version: number, epoch: string, data: Uint8Array): Promise<void>;
}

export interface SharedPollManagerDeps {
  /** The `shared_poll_refresh` proxy a namespace names; undefined when there is none. */
  refreshProxy(name: string): SharedPollRefreshProxy | undefined;
  /** `shared_poll.concurrency_limit`: backend calls in flight across every channel. */
  concurrencyLimit: number;
  timers: PollTimers;
  clock: Clock;
  log: Logger;
  /** Without one, publishes reach this node's connections only. */
  relay?: PublishRelay;
}

/** One key a connection starts tracking, with the version it says it has. */
export interface TrackRequestItem {
  key: string;
  version: number;
}

/**
 * The shared-poll channels of this node, created when a connection first tracks a key of
 * a channel and dropped once no key is tracked for the channel's shutdown delay. Polling
 * stops with them, so a channel nobody tracks costs the backend nothing.
 */
export class SharedPollManager {
  private readonly channels = new Map<string, PollChannel>();
  private readonly semaphore: Semaphore;
  /** Versionless epoch for a channel with no state on this node yet. */
  private readonly nodeEpoch = randomString(6);
  private closed = false;

  constructor(private readonly deps: SharedPollManagerDeps) {
    this.semaphore = new Semaphore(deps.concurrencyLimit);
  }

  /** The epoch a subscribe reply carries: clients holding versions from another epoch start over. */
  epoch(channel: string, opts: Readonly<SharedPollOptions>): string {
    return this.channels.get(channel)?.epoch ?? (opts.mode === 'versionless' ? this.nodeEpoch : '');
  }

  get(channel: string): PollChannel | undefined {
    return this.channels.get(channel);
  }

  /**
   * A connection tracks `items` (its reply already queued, so updates follow it): keys new
   * to the node are polled now; keys the node polls but whose data the connection lacks get
   * the current data on the next poll, which for keys with data is now.
   * @throws Error when the namespace's proxy does not exist (config/rules.ts prevents it)
   */
  track(channel: string, opts: Readonly<SharedPollOptions>, tracker: KeyTracker, items: readonly TrackRequestItem[]): void {
    if (this.closed || items.length === 0) return;
    const state = this.channelFor(channel, opts);
    const found: TrackedItem[] = state.track(items.map((i) => i.key));
    const warm: string[] = [];
    items.forEach((item, i) => {
      state.hub.add(item.key, tracker);
      const { isNew, version } = found[i]!;
      if (isNew && item.version === 0) state.notify(item.key);
      else if (!isNew && (item.version === 0 || version > item.version)) warm.push(item.key);
    });
    if (warm.length > 0) state.markNeedsBroadcast(warm);
  }

  /** A connection stops tracking keys (untrack, expiry, unsubscribe): keys nobody tracks leave the poll set. */
  untrack(channel: string, tracker: KeyTracker, keys: Iterable<string>): void {
    const state = this.channels.get(channel);
    if (!state) return;
    for (const key of keys) if (state.hub.remove(key, tracker)) state.untrack(key);
  }

  /**
   * `shared_poll_publish`: with `publish_enabled` it goes through the relay to every node,
   * else to this node's connections only.
   */
  async publishEverywhere(channel: string, opts: Readonly<SharedPollOptions>, key: string, version: number, epoch: string, data: Uint8Array): Promise<void> {
    if (opts.publishEnabled && this.deps.relay) await this.deps.relay.publish(channel, key, version, epoch, data);
    else this.publish(channel, key, version, epoch, data);
  }

  /**
   * A publish reaching this node: subscribers tracking the key get it when the version is
   * newer than the node's. A channel with no state here has nobody to tell.
   */
  publish(channel: string, key: string, version: number, epoch: string, data: Uint8Array): void {
    this.channels.get(channel)?.publish(key, version, epoch, data);
  }

  /** Channels with state and the keys they poll. */
  stats(): { channels: number; keys: number } {
    let keys = 0;
    for (const c of this.channels.values()) keys += c.size;
    return { channels: this.channels.size, keys };
  }

  close(): void {
    this.closed = true;
    for (const c of this.channels.values()) {
      c.close();
      if (c.opts.publishEnabled) this.deps.relay?.leave(c.channel);
    }
    this.channels.clear();
  }

  private channelFor(channel: string, opts: Readonly<SharedPollOptions>): PollChannel {
    const existing = this.channels.get(channel);
    if (existing && !existing.stopped) return existing;
    const proxy = this.deps.refreshProxy(opts.proxyName);
    if (!proxy) throw new Error(`shared_poll_refresh proxy "${opts.proxyName}" not configured`);
    const { timers, clock, log } = this.deps;
    const state = new PollChannel(channel, opts, {
      refresh: (call) => proxy.sharedPollRefresh(call),
      semaphore: this.semaphore,
      timers,
      clock,
      log,
      onShutdown: (c) => {
        if (this.channels.get(channel) !== c) return;
        this.channels.delete(channel);
        if (opts.publishEnabled) this.deps.relay?.leave(channel);
      },
    });
    this.channels.set(channel, state);
    if (opts.publishEnabled) this.deps.relay?.join(channel);
    return state;
  }
}
