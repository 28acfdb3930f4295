import type { Logger } from 'pino';

/** The first recheck's delay; each next one doubles it. */
const FIRST_MS = 500;

/**
 * Checks positioned subscriptions against their stream tops after an engine interruption,
 * and again, sooner than the periodic check, for the channels whose check failed: the
 * engine may answer again only in part at first (one connection back before another).
 * Rechecks come after 0.5 s, then doubling, while the delay stays under `limitMs` (the
 * periodic check's period: past it, that check takes over). A new interruption starts
 * over with every channel.
 */
export class PositionRecheck {
  private timer: NodeJS.Timeout | undefined;
  /** Bumped by each start and by stop: a pass of an earlier round schedules nothing. */
  private round = 0;

  constructor(
    /** Checks `channels` (every channel when undefined); resolves with those whose check failed. */
    private readonly check: (channels: readonly string[] | undefined) => Promise<string[]>,
    private readonly log: Logger,
    private readonly limitMs: number,
  ) {}

  /** An interruption ended: every channel is checked now. */
  start(): void {
    clearTimeout(this.timer);
    void this.pass(undefined, 0, ++this.round);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.round++;
  }

  private async pass(channels: readonly string[] | undefined, attempt: number, round: number): Promise<void> {
    const failed = await this.check(channels);
    if (round !== this.round || failed.length === 0) return;
    const delay = FIRST_MS * 2 ** attempt;
    if (delay >= this.limitMs) {
      this.log.warn({ channels: failed.length }, 'position check after an interruption still failing: left to the periodic check');
      return;
    }
    this.log.info({ channels: failed.length, retryInMs: delay }, 'position check after an interruption failed: checking those channels again');
    this.timer = setTimeout(() => void this.pass(failed, attempt + 1, round), delay);
    this.timer.unref();
  }
}
