import type { Clock, TimerHandle, TimerWheel } from '../../lib/index.js';

/** A session that must connect within `client.stale_close_delay` of its opening. */
export interface StaleCandidate {
  /** Ends the session as stale unless it connected meanwhile. */
  closeIfStale(): void;
}

/**
 * Sessions that have not connected yet, in the order they opened. All wait the same delay,
 * so their deadlines come in that order too: one wheel timer for the oldest serves them all,
 * instead of a timer per session armed at every upgrade and cancelled at nearly every connect.
 * A session that connects or closes leaves its place empty (by the number `add` gave it), so
 * the queue never keeps a finished session alive.
 */
export class ConnectingSessions<S extends StaleCandidate = StaleCandidate> {
  private sessions: Array<S | undefined> = [];
  /** Deadlines (clock ms) by the same index: a packed array of numbers, no box per session. */
  private due: number[] = [];
  /** Index of the oldest place still waiting. */
  private head = 0;
  /** The number `add` gave the session at index 0. */
  private base = 0;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly wheel: TimerWheel,
    private readonly clock: Clock,
    /** `client.stale_close_delay`, ms. */
    private readonly delay: number,
  ) {}

  /** Queues a new session; the number returned takes it out again (`remove`). */
  add(session: S): number {
    this.sessions.push(session);
    this.due.push(this.clock.now() + this.delay);
    this.timer ??= this.wheel.schedule(this.delay, this.expire, this);
    return this.base + this.sessions.length - 1;
  }

  /** The session connected or closed: its place is emptied. */
  remove(place: number, session: S): void {
    const i = place - this.base;
    if (i >= this.head && this.sessions[i] === session) this.sessions[i] = undefined;
  }

  /** The sessions still waiting (for shutdown). */
  *waiting(): IterableIterator<S> {
    for (let i = this.head; i < this.sessions.length; i++) {
      const s = this.sessions[i];
      if (s) yield s;
    }
  }

  private expire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    const { sessions, due } = this;
    while (this.head < sessions.length && due[this.head]! <= now) {
      const s = sessions[this.head];
      sessions[this.head++] = undefined;
      s?.closeIfStale();
    }
    this.compact();
    if (this.head < sessions.length) this.timer = this.wheel.schedule(Math.max(0, due[this.head]! - now), this.expire, this);
  }

  /** Drops the places already passed once they are most of the arrays. */
  private compact(): void {
    const { head } = this;
    if (head === this.sessions.length) {
      this.sessions = [];
      this.due = [];
    } else if (head < 1024 || head * 2 < this.sessions.length) {
      return;
    } else {
      this.sessions.splice(0, head);
      this.due.splice(0, head);
    }
    this.base += head;
    this.head = 0;
  }
}
