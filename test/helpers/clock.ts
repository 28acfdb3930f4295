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
