import type { Clock } from './clock.js';

/** A scheduled callback; `cancel()` is idempotent. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * A method rather than a closure per timer: at 100k connections each closure is memory.
 * For the same reason the callback may be a shared method called on `self`, so a
 * session's timers allocate no closure (and no context) of their own.
 */
class Timer implements TimerHandle {
  constructor(
    private readonly wheel: TimerWheel,
    /** Counted from the wheel's creation, so it stays a small integer and not a boxed number. */
    public tick: number,
    readonly fn: (this: unknown) => void,
    readonly self: unknown,
  ) {}

  /** Idempotent without a flag of its own: a timer that ran or was cancelled is in no bucket. */
  cancel(): void {
    this.wheel.remove(this);
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
  private readonly buckets = new Map<number, Set<Timer>>();
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
    const timer = handle as Timer;
    this.remove(timer);
    timer.tick = this.dueTick(delayMs);
    this.insert(timer);
  }

  private dueTick(delayMs: number): number {
    return Math.max(this.tickOf(this.clock.now() + delayMs + this.resolution - 1), this.lastTick + 1);
  }

  private insert(timer: Timer): void {
    let bucket = this.buckets.get(timer.tick);
    if (!bucket) {
      bucket = new Set();
      this.buckets.set(timer.tick, bucket);
    }
    bucket.add(timer);
    this.size++;
    this.maybeStart();
  }

  /** Drops a cancelled timer (called by the timer itself). */
  remove(timer: Timer): void {
    const bucket = this.buckets.get(timer.tick);
    if (bucket?.delete(timer)) {
      this.size--;
      if (bucket.size === 0) this.buckets.delete(timer.tick);
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
      for (const timer of bucket) {
        this.size--;
        try {
          timer.fn.call(timer.self);
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
