import type { Clock } from '../../src/lib/index.js';

/**
 * The system clock that a test can move forward: time still passes as usual, and `jump`
 * skips ahead at once instead of sleeping until a deadline comes.
 */
export class JumpClock implements Clock {
  private skew = 0;

  now(): number {
    return Date.now() + this.skew;
  }

  jump(ms: number): void {
    this.skew += ms;
  }

  /** Moves to the start of the next whole second (what JWT `iat` and `exp` count in). */
  toNextSecond(): void {
    this.jump(1000 - (this.now() % 1000));
  }
}

/** A clock that stands still until a test moves it (`t`, ms since the epoch). */
export class ManualClock implements Clock {
  constructor(public t = 1_700_000_000_000) {}

  now(): number {
    return this.t;
  }
}

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
  done: boolean;
}

/**
 * Timers driven by a ManualClock: nothing runs until `advance` moves the clock, which
 * runs each due callback at its time, in order, and lets the async work it started
 * settle before the next one.
 */
export class ManualTimers {
  private readonly timers: ManualTimer[] = [];
  private seq = 0;

  constructor(readonly clock: ManualClock) {}

  schedule(delayMs: number, fn: () => void): { cancel(): void } {
    const t: ManualTimer = { at: this.clock.t + Math.max(0, delayMs), seq: this.seq++, fn, done: false };
    this.timers.push(t);
    return { cancel: () => void (t.done = true) };
  }

  get pending(): number {
    return this.timers.filter((t) => !t.done).length;
  }

  async advance(ms: number): Promise<void> {
    const end = this.clock.t + ms;
    await settle();
    for (;;) {
      const due = this.timers.filter((t) => !t.done && t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      due.done = true;
      this.clock.t = Math.max(this.clock.t, due.at);
      due.fn();
      await settle();
    }
    this.clock.t = end;
  }
}

/** Lets promise chains started by a callback run to their next real wait. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
