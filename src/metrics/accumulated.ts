import type { Counter } from 'prom-client';

/**
 * Counts kept as plain numbers on the hot path and added to a prom-client counter when
 * Prometheus scrapes: counting a delivered message is then an array increment, with no
 * label hashing and no allocation per subscriber.
 */
export class Accumulated {
  readonly values: Float64Array;

  constructor(size: number) {
    this.values = new Float64Array(size);
  }

  /** Adds what was counted since the last scrape to `counter`, one series per index. */
  flushInto<L extends string>(counter: Counter<L>, labelsOf: (index: number) => Partial<Record<L, string>>): void {
    const { values } = this;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v === 0) continue;
      values[i] = 0;
      counter.inc(labelsOf(i), v);
    }
  }
}
