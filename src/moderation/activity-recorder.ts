import type { Logger } from 'pino';
import { DroppingBuffer, type Clock } from '../lib/index.js';
import type { ActivityStore, ChannelMinute, SessionEnd, SessionRecord } from './activity.js';

export interface ActivityRecorderDeps {
  store: ActivityStore;
  clock: Clock;
  log: Logger;
  /** ms the store keeps activity (`parsec.activity.retention`). */
  retention: number;
  /** ms between flushes: at most one batch of writes per interval. @default 1000 */
  flushInterval?: number;
  /** Events held between flushes at most (sessions, channel minutes each); past it the oldest go and are counted. @default 10000 */
  maxBuffered?: number;
  /** ms between retention cleanups. @default 600000 */
  cleanupInterval?: number;
}

const MINUTE = 60_000;

/**
 * Records sessions and per-channel traffic off the hot path: events go into bounded
 * buffers in memory (a Map update per publication, no I/O), and a timer writes them in
 * batches. A full buffer drops its oldest entry and counts it; delivery never waits.
 */
export class ActivityRecorder {
  private readonly opened: DroppingBuffer<SessionRecord>;
  private readonly ended: DroppingBuffer<SessionEnd>;
  /** The current minute's counters by channel; earlier minutes wait in `closedMinutes`. */
  private minute = 0;
  private current = new Map<string, ChannelMinute>();
  private readonly closedMinutes: DroppingBuffer<ChannelMinute>;
  private flushTimer: NodeJS.Timeout | undefined;
  private cleanupTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** Events dropped: buffers full, or a batch the store refused. */
  dropped = 0;
  /** Batches handed to the store, by whether it took them. */
  readonly writes = { ok: 0, error: 0 };
  private readonly max: number;

  constructor(private readonly deps: ActivityRecorderDeps) {
    this.max = deps.maxBuffered ?? 10_000;
    this.opened = new DroppingBuffer(this.max);
    this.ended = new DroppingBuffer(this.max);
    this.closedMinutes = new DroppingBuffer(this.max);
  }

  start(): void {
    this.flushTimer = setInterval(() => void this.flush(), this.deps.flushInterval ?? 1000);
    this.flushTimer.unref();
    this.cleanupTimer = setInterval(() => void this.cleanup(), this.deps.cleanupInterval ?? 600_000);
    this.cleanupTimer.unref();
  }

  private bounded<T>(buffer: DroppingBuffer<T>, item: T): void {
    if (buffer.push(item)) this.dropped++;
  }

  /**
   * A session opened. A store in this process takes it at once (no write to batch): its
   * handle there is returned, to hand back with the session's end. Else -1, and it is buffered.
   */
  sessionOpened(s: SessionRecord): number {
    const kept = this.deps.store.kept;
    if (kept) return kept.keep(s);
    this.bounded(this.opened, s);
    return -1;
  }

  /** A session ended; `handle` is what `sessionOpened` returned for it. */
  sessionEnded(handle: number, client: string, disconnectedAt: number, code: number, reason: string): void {
    const kept = this.deps.store.kept;
    if (kept && handle >= 0) kept.end(handle, disconnectedAt, code, reason);
    else this.bounded(this.ended, { client, disconnectedAt, code, reason });
  }

  /** The counters of a channel in the current minute. */
  private counters(channel: string): ChannelMinute {
    const minute = this.deps.clock.now();
    const start = minute - (minute % MINUTE);
    if (start !== this.minute) {
      for (const m of this.current.values()) this.bounded(this.closedMinutes, m);
      this.current = new Map();
      this.minute = start;
    }
    let c = this.current.get(channel);
    if (!c) {
      if (this.current.size >= this.max) {
        // Too many channels this minute: the newcomer is not counted (the counted ones stay exact).
        this.dropped++;
        return { channel, minute: start, publications: 0, deliveries: 0, bytes: 0 };
      }
      this.current.set(channel, (c = { channel, minute: start, publications: 0, deliveries: 0, bytes: 0 }));
    }
    return c;
  }

  /** A publication into a channel through this node. */
  published(channel: string, bytes: number): void {
    const c = this.counters(channel);
    c.publications++;
    c.bytes += bytes;
  }

  /** A publication delivered to `count` subscribers on this node. */
  delivered(channel: string, count: number): void {
    if (count > 0) this.counters(channel).deliveries += count;
  }

  /** Writes what is buffered (the current minute's counters so far included); one flush at a time. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async write(): Promise<void> {
    const opened = this.opened.drain();
    const ended = this.ended.drain();
    const minutes = [...this.closedMinutes.drain(), ...[...this.current.values()].filter((c) => c.publications > 0 || c.deliveries > 0)];
    // Counters written are restarted, so the store adds only what came after.
    this.current = new Map();
    if (opened.length === 0 && ended.length === 0 && minutes.length === 0) return;
    try {
      await this.deps.store.writeSessions(opened, ended);
      await this.deps.store.writeChannels(minutes);
      this.writes.ok++;
    } catch (err) {
      this.writes.error++;
      this.dropped += opened.length + ended.length + minutes.length;
      this.deps.log.warn({ err: (err as Error).message, dropped: this.dropped }, 'activity batch not written; dropped');
    }
  }

  private async cleanup(): Promise<void> {
    try {
      const gone = await this.deps.store.cleanup(this.deps.clock.now() - this.deps.retention);
      if (gone > 0) this.deps.log.info({ rows: gone }, 'activity past retention removed');
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'activity cleanup failed');
    }
  }

  /** Stops the timers and writes what is left. */
  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.cleanupTimer);
    await this.flush();
  }
}
