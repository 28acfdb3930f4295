/** Latency histogram in 0.1 ms buckets up to 10 s; cheap to record, sparse to ship over IPC. */
export class Histogram {
  static readonly BUCKET_US = 100;
  private static readonly SIZE = 100_001;
  private counts = new Uint32Array(Histogram.SIZE);

  record(micros: number): void {
    const i = Math.min(Histogram.SIZE - 1, Math.max(0, Math.floor(micros / Histogram.BUCKET_US)));
    this.counts[i]!++;
  }

  reset(): void {
    this.counts.fill(0);
  }

  /** Non-empty buckets as [index, count] pairs. */
  sparse(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i]) out.push([i, this.counts[i]!]);
    return out;
  }

  add(sparse: [number, number][]): void {
    for (const [i, n] of sparse) this.counts[i]! += n;
  }

  /** The p-th percentile in milliseconds (upper edge of its bucket), 0 when empty. */
  percentile(p: number): number {
    let total = 0;
    for (const n of this.counts) total += n;
    if (total === 0) return 0;
    const rank = Math.ceil((total * p) / 100);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return ((i + 1) * Histogram.BUCKET_US) / 1000;
    }
    return 0;
  }
}

/** Wall-clock microseconds, comparable across the processes of one machine. */
export const nowMicros = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);
