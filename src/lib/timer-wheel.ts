import type { Clock } from './clock.js';

/** A scheduled callback; `cancel()` is idempotent. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * What the wheel runs: a Timer it made, or an object that is its own timer (`arm`), so that
 * a deadline every idle session holds (its next ping) costs no object of its own.
 */
export interface WheelEntry {
  /** The tick it is due at, counted from the wheel's creation; the wheel sets it. */
  wheelTick: number;
  onWheel(): void;
}

/**
 * A method rather than a closure per timer: at 100k connections each closure is memory.
 * For the same reason the callback may be a shared method called on `self`, so a
 * session's timers allocate no closure (and no context) of their own.
 */
class Timer implements TimerHandle, WheelEntry {
  constructor(
    private readonly wheel: TimerWheel,
    /** Counted from the wheel's creation, so it stays a small integer and not a boxed number. */
    public wheelTick: number,
    readonly fn: (this: unknown) => void,
    readonly self: unknown,
  ) {}

  /** Idempotent without a flag of its own: a timer that ran or was cancelled is in no bucket. */
  cancel(): void {
    this.wheel.disarm(this);
  }

  onWheel(): void {
    this.fn.call(this.self);
  }
}

export interface TimerWheelOptions {
  clock: Clock;
  /** Granularity in ms: callbacks run up to this late, never early. */
  resolution?: number;
  /** Receives what a callback threw; by default it is rethrown outside the wheel's loop. */
  onError?: (err: unknown) => void;
}

/**
 * One shared timer for many per-connection deadlines (ping, pong, expiry, stale).
 * A hashed wheel: O(1) schedule and cancel, one interval for the whole node instead
 * of one setTimeout per connection, which at 100k connections matters.
 */
export class TimerWheel {
  private readonly clock: Clock;
  private readonly resolution: number;
  private readonly onError: (err: unknown) => void;
  private readonly buckets = new Map<number, Set<WheelEntry>>();
  private size = 0;
  /** Absolute tick the wheel's ticks are counted from. */
  private readonly origin: number;
  private lastTick = 0;
  private interval: NodeJS.Timeout | undefined;

  constructor(opts: TimerWheelOptions) {
    this.clock = opts.clock;
    this.resolution = opts.resolution ?? 100;
    this.onError =
      opts.onError ??
      ((err) =>
        queueMicrotask(() => {
          throw err;
        }));
    this.origin = Math.floor(this.clock.now() / this.resolution);
  }

  /** Runs `fn` once (called on `self` when given), no earlier than `delayMs` from now. */
  schedule(delayMs: number, fn: () => void): TimerHandle;
  schedule<T>(delayMs: number, fn: (this: T) => void, self: T): TimerHandle;
  schedule(delayMs: number, fn: (this: unknown) => void, self?: unknown): TimerHandle {
    const timer = new Timer(this, this.dueTick(delayMs), fn, self);
    this.insert(timer);
    return timer;
  }

  /**
   * Runs a timer of this wheel again (or later, if it is pending), `delayMs` from now, with the
   * same callback: a periodic deadline (a session's ping) reuses one timer instead of a new one
   * each period.
   */
  reschedule(handle: TimerHandle, delayMs: number): void {
    // Every handle this wheel gives out is a Timer of its own (callers get the narrow interface).
    this.arm(handle as Timer, delayMs);
  }

  /** Runs `entry.onWheel()` once, no earlier than `delayMs` from now; a pending entry moves instead. */
  arm(entry: WheelEntry, delayMs: number): void {
    this.disarm(entry);
    entry.wheelTick = this.dueTick(delayMs);
    this.insert(entry);
  }

  private dueTick(delayMs: number): number {
    return Math.max(this.tickOf(this.clock.now() + delayMs + this.resolution - 1), this.lastTick + 1);
  }

  private insert(entry: WheelEntry): void {
    let bucket = this.buckets.get(entry.wheelTick);
    if (!bucket) {
      bucket = new Set();
      this.buckets.set(entry.wheelTick, bucket);
    }
    bucket.add(entry);
    this.size++;
    this.maybeStart();
  }

  /**
   * Takes an entry off the wheel; idempotent. One that ran is in no bucket: its tick is past,
   * and the bucket of a past tick is gone for good.
   */
  disarm(entry: WheelEntry): void {
    const bucket = this.buckets.get(entry.wheelTick);
    if (bucket?.delete(entry)) {
      this.size--;
      if (bucket.size === 0) this.buckets.delete(entry.wheelTick);
    }
    this.maybeStop();
  }

  /** Number of pending timers (for metrics and tests). */
  get pending(): number {
    return this.size;
  }

  close(): void {
    this.buckets.clear();
    this.size = 0;
    this.maybeStop();
  }

  private tickOf(ms: number): number {
    return Math.floor(ms / this.resolution) - this.origin;
  }

  private advance(): void {
    const current = this.tickOf(this.clock.now());
    while (this.lastTick < current) {
      this.lastTick++;
      const bucket = this.buckets.get(this.lastTick);
      if (!bucket) continue;
      this.buckets.delete(this.lastTick);
      for (const entry of bucket) {
        this.size--;
        try {
          entry.onWheel();
        } catch (err) {
          // A failing callback must not starve the rest of the bucket.
          this.onError(err);
        }
      }
    }
    this.maybeStop();
  }

  private maybeStart(): void {
    if (this.interval || this.size === 0) return;
    // Catch up on ticks skipped while idle so new deadlines aren't placed behind.
    this.lastTick = Math.max(this.lastTick, this.tickOf(this.clock.now()) - 1);
    this.interval = setInterval(() => this.advance(), this.resolution);
    this.interval.unref();
  }

  private maybeStop(): void {
    if (this.interval && this.size === 0) {
      clearInterval(this.interval);
      this.interval = undefined;
    }
  }
}
