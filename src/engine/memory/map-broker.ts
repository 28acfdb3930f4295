import type { StreamPosition } from '../../protocol/index.js';
import { randomString, type Clock } from '../../lib/index.js';
import { IdempotentResults } from '../idempotency.js';
import type { Closer } from '../types.js';
import type {
  MapBroker,
  MapChannelOptions,
  MapEventHandler,
  MapPublication,
  MapPublishOptions,
  MapRemoveOptions,
  MapStatePage,
  MapStateQuery,
  MapStreamPage,
  MapStreamQuery,
  MapSuppressReason,
  MapWriteResult,
} from '../map-types.js';

/** Key TTLs, stream TTLs and meta TTLs are enforced at this granularity. */
const SWEEP_INTERVAL_MS = 1000;

interface Entry {
  pub: MapPublication;
  /** Unix ms; 0 = never. */
  expireAt: number;
}

/** One map channel: its state, its change stream and its position. */
interface MapChannel {
  epoch: string;
  top: number;
  state: Map<string, Entry>;
  /** Per-key versions survive removals, so an older versioned write cannot resurrect a key. */
  versions: Map<string, { version: number; epoch: string }>;
  stream: MapPublication[];
  /** Unix ms after which the stream's entries are dropped (the position stays); 0 = never. */
  streamExpireAt: number;
  /** Unix ms after which the whole channel is dropped (a new epoch follows); 0 = never. */
  metaExpireAt: number;
  /** The options of the latest call: the sweep needs them. */
  options: MapChannelOptions;
}

export interface MemoryMapBrokerOptions {
  clock: Clock;
}

/**
 * Map channels in this process. Every change is applied and delivered in one synchronous
 * step, so delivery order per channel is offset order and a reader never sees a write the
 * listeners have not been handed. Lost with the process: a restart means new epochs.
 */
export class MemoryMapBroker implements MapBroker, Closer {
  private handler: MapEventHandler | undefined;
  private readonly clock: Clock;
  private readonly channels = new Map<string, MapChannel>();
  private readonly listened = new Set<string>();
  private readonly idempotent = new IdempotentResults();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(opts: MemoryMapBrokerOptions) {
    this.clock = opts.clock;
  }

  async run(handler: MapEventHandler): Promise<void> {
    this.handler = handler;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  async subscribe(channel: string): Promise<void> {
    this.listened.add(channel);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.listened.delete(channel);
  }

  async publish(channel: string, key: string, opts: MapPublishOptions, ch: MapChannelOptions): Promise<MapWriteResult> {
    const now = this.clock.now();
    const c = this.channel(channel, ch, now);
    const remembered = this.idempotent.get(channel, opts.idempotencyKey, now);
    if (remembered) return suppressed(remembered, 'idempotency');
    const existing = c.state.get(key);
    if (opts.version !== undefined && opts.version > 0 && ch.hasStream) {
      const stored = c.versions.get(key);
      const epoch = opts.versionEpoch ?? '';
      if (stored && stored.epoch === epoch && opts.version <= stored.version) return suppressed(position(c), 'version');
    }
    if (opts.keyMode === 'if_new' && existing) {
      if (opts.refreshTtlOnSuppress) this.touch(c, existing, now);
      return suppressed(position(c), 'key_exists');
    }
    if (opts.keyMode === 'if_exists' && !existing) return suppressed(position(c), 'key_not_found');
    const expected = opts.expectedPosition;
    if (expected && (expected.epoch !== c.epoch || expected.offset !== c.top)) return suppressed(position(c), 'position_mismatch');
    const pub: MapPublication = { key, data: opts.data, info: opts.info, tags: opts.tags, offset: 0, time: now, version: opts.version || undefined };
    if (opts.version) c.versions.set(key, { version: opts.version, epoch: opts.versionEpoch ?? '' });
    const result = this.apply(channel, c, pub, existing, opts.delta ?? false, now);
    this.idempotent.remember(channel, opts.idempotencyKey, result.position, now, opts.idempotentResultTtl);
    return result;
  }

  async remove(channel: string, key: string, opts: MapRemoveOptions, ch: MapChannelOptions): Promise<MapWriteResult> {
    const now = this.clock.now();
    const c = this.channel(channel, ch, now);
    const remembered = this.idempotent.get(channel, opts.idempotencyKey, now);
    if (remembered) return suppressed(remembered, 'idempotency');
    const existing = c.state.get(key);
    if (!existing) return suppressed(position(c), 'key_not_found');
    const result = this.removeEntry(channel, c, key, existing, now);
    this.idempotent.remember(channel, opts.idempotencyKey, result.position, now, opts.idempotentResultTtl);
    return result;
  }

  async readState(channel: string, query: MapStateQuery, ch: MapChannelOptions): Promise<MapStatePage> {
    const now = this.clock.now();
    const c = this.channel(channel, ch, now);
    const live = (e: Entry | undefined): e is Entry => e !== undefined && (e.expireAt === 0 || e.expireAt > now);
    if (query.key !== undefined) {
      const e = c.state.get(query.key);
      return { entries: live(e) ? [e.pub] : [], position: position(c), cursor: '' };
    }
    if (query.limit === 0) return { entries: [], position: position(c), cursor: '' };
    const keys = [...c.state.keys()].filter((k) => k > query.cursor).sort();
    const page = query.limit < 0 ? keys : keys.slice(0, query.limit);
    const entries = page.map((k) => c.state.get(k)).filter(live).map((e) => e.pub);
    const more = page.length < keys.length;
    return { entries, position: position(c), cursor: more ? page[page.length - 1]! : '' };
  }

  async readStream(channel: string, query: MapStreamQuery, ch: MapChannelOptions): Promise<MapStreamPage> {
    const now = this.clock.now();
    const c = this.channel(channel, ch, now);
    if (query.limit === 0 || !ch.hasStream) return { entries: [], position: position(c) };
    const since = query.since;
    let entries: MapPublication[];
    if (query.reverse) {
      const before = since && since.offset > 0 ? since.offset : Number.MAX_SAFE_INTEGER;
      entries = c.stream.filter((p) => p.offset < before).reverse();
    } else {
      const after = since?.offset ?? 0;
      entries = c.stream.filter((p) => p.offset > after);
    }
    if (query.limit > 0) entries = entries.slice(0, query.limit);
    return { entries, position: position(c) };
  }

  async stats(channel: string, ch: MapChannelOptions): Promise<{ numKeys: number }> {
    return { numKeys: this.channel(channel, ch, this.clock.now()).state.size };
  }

  async clear(channel: string, _ch?: MapChannelOptions): Promise<void> {
    this.channels.delete(channel);
  }

  /** The channel, created on first use (so the epoch holds from the first state page to the stream catch-up). */
  private channel(name: string, options: MapChannelOptions, now: number): MapChannel {
    let c = this.channels.get(name);
    if (c && c.metaExpireAt !== 0 && c.metaExpireAt <= now) {
      this.channels.delete(name);
      c = undefined;
    }
    if (!c) {
      // 8 characters, as Centrifugo's epochs.
      c = { epoch: randomString(), top: 0, state: new Map(), versions: new Map(), stream: [], streamExpireAt: 0, metaExpireAt: 0, options };
      this.channels.set(name, c);
    }
    c.options = options;
    return c;
  }

  /** Stores a new value (or replaces one), appends it to the stream and hands it to the listener. */
  private apply(channel: string, c: MapChannel, pub: MapPublication, existing: Entry | undefined, delta: boolean, now: number): MapWriteResult {
    const ch = c.options;
    if (ch.hasStream) pub.offset = this.append(c, pub, now);
    c.state.set(pub.key, { pub, expireAt: ch.keyTtl > 0 ? now + ch.keyTtl : 0 });
    this.extendMeta(c, now);
    this.deliver(channel, c, pub, delta, existing?.pub.data);
    return { position: position(c), suppressed: false };
  }

  private removeEntry(channel: string, c: MapChannel, key: string, existing: Entry, now: number): MapWriteResult {
    c.state.delete(key);
    const pub: MapPublication = { key, data: new Uint8Array(0), removed: true, tags: existing.pub.tags, offset: 0, time: now };
    if (c.options.hasStream) pub.offset = this.append(c, pub, now);
    this.extendMeta(c, now);
    this.deliver(channel, c, pub, false, undefined);
    return { position: position(c), suppressed: false };
  }

  private append(c: MapChannel, pub: MapPublication, now: number): number {
    const ch = c.options;
    const offset = ++c.top;
    // The stream expired: its entries go, its position stays.
    if (c.streamExpireAt !== 0 && c.streamExpireAt <= now) c.stream = [];
    c.stream.push({ ...pub, offset });
    if (c.stream.length > ch.streamSize) c.stream.splice(0, c.stream.length - ch.streamSize);
    c.streamExpireAt = ch.streamTtl > 0 ? now + ch.streamTtl : 0;
    return offset;
  }

  private extendMeta(c: MapChannel, now: number): void {
    c.metaExpireAt = c.options.metaTtl > 0 ? now + c.options.metaTtl : 0;
  }

  /** A keepalive write: the key and the channel live on, nothing is delivered. */
  private touch(c: MapChannel, e: Entry, now: number): void {
    if (c.options.keyTtl > 0) e.expireAt = now + c.options.keyTtl;
    this.extendMeta(c, now);
  }

  private deliver(channel: string, c: MapChannel, pub: MapPublication, delta: boolean, prevData: Uint8Array | undefined): void {
    if (this.listened.has(channel)) this.handler?.handleMapPublication(channel, pub, position(c), delta, prevData);
  }

  /** Expires keys (delivering their removal), stream entries and whole channels. */
  private sweep(): void {
    const now = this.clock.now();
    for (const [name, c] of this.channels) {
      for (const [key, e] of c.state) {
        if (e.expireAt !== 0 && e.expireAt <= now) this.removeEntry(name, c, key, e, now);
      }
      if (c.streamExpireAt !== 0 && c.streamExpireAt <= now) {
        c.stream = [];
        c.streamExpireAt = 0;
      }
      const metaGone = c.metaExpireAt !== 0 && c.metaExpireAt <= now;
      // Ephemeral channels keep no meta: they go when their last key does.
      const idle = !c.options.hasStream && c.state.size === 0 && !this.listened.has(name);
      if (metaGone || idle) this.channels.delete(name);
    }
    this.idempotent.sweep(now);
  }
}

function position(c: MapChannel): StreamPosition {
  return { offset: c.top, epoch: c.epoch };
}

function suppressed(position: StreamPosition, reason: MapSuppressReason): MapWriteResult {
  return { position, suppressed: true, suppressReason: reason };
}
