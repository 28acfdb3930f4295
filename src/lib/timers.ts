import type { TimerHandle } from './timer-wheel.js';

/** Runs callbacks later; injected so tests can drive time (the timer wheel fits too). */
export interface Timers {
  schedule(delayMs: number, fn: () => void): TimerHandle;
}

/**
 * Plain `setTimeout`, for the few timers that must keep their period (a shared-poll
 * cycle per channel): the timer wheel's 100 ms ticks would stretch every period.
 */
export const systemTimers: Timers = {
  schedule(delayMs, fn) {
    const t = setTimeout(fn, delayMs);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};
