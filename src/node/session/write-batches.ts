import type { Clock } from '../../lib/index.js';
import { forgetJoins } from './frame-join.js';

/** A writer a batch flushes when its delay is up. */
export interface BatchedWriter {
  flushBatch(): void;
}

/** A timer that runs its callback a fixed time after it was made, and again after each `refresh`. */
export interface BatchTimer {
  refresh(): unknown;
  close(): unknown;
}

/** Makes a batch's timer, started: a Node timer, or in tests one driven by the test's clock. */
export type BatchTimers = (run: () => void, delay: number) => BatchTimer;

/** Pending writes keep no process alive: a node that is closing flushes its writers itself. */
const nodeTimers: BatchTimers = (run, delay) => setTimeout(run, delay).unref();

/** Writers whose first waiting push arrived within one tick, flushed together. */
class Batch {
  readonly writers: BatchedWriter[] = [];
  /** Made once and restarted (`refresh`) each time the batch is reused: no timer allocated per batch. */
  private timer: BatchTimer | undefined;
  private readonly runBound = (): void => this.run();

  constructor(private readonly owner: WriteBatches) {}

  /** Runs the batch `delay` ms from now. */
  start(timers: BatchTimers, delay: number): void {
    if (this.timer === undefined) this.timer = timers(this.runBound, delay);
    else this.timer.refresh();
  }

  cancel(): void {
    this.timer?.close();
    this.writers.length = 0;
  }

  run(): void {
    this.owner.closeBatch(this);
    const { writers } = this;
    // By index: a writer may join a newer batch while this one runs, never this one.
    for (let i = 0; i < writers.length; i++) writers[i]!.flushBatch();
    writers.length = 0;
    forgetJoins();
    this.owner.release(this);
  }
}

/**
 * `client.write_delay`: a writer's pushes wait up to the delay for others and leave as one
 * frame. Every writer of the node that gets its first waiting push within the same tick (a
 * quarter of the delay) joins one batch, and a batch is one timer: at 100k connections there
 * is no timer per connection and no allocation per push. The timer is the batch's own,
 * started when its first writer joins and due exactly the delay later: the first push of a
 * fan-out waits the whole delay for company (the more it waits, the more pushes share its
 * frame), and no push waits longer, as a wheel ticking at some resolution would let it
 * (up to a tick late, or a tick early to stay within the bound, joining less).
 */
export class WriteBatches {
  private readonly resolution: number;
  private open: Batch | undefined;
  private openTick = -1;
  /** Batches waiting to run, so that close() can drop them. */
  private readonly pending = new Set<Batch>();
  /** Batches that ran, kept for reuse: a steady load allocates none. */
  private readonly spare: Batch[] = [];

  constructor(
    private readonly clock: Clock,
    /** ms, greater than 0. */
    readonly delay: number,
    private readonly timers: BatchTimers = nodeTimers,
  ) {
    this.resolution = Math.max(1, Math.floor(delay / 4));
  }

  /** Flushes `writer` no later than the delay from now; it must not be waiting in a batch already. */
  add(writer: BatchedWriter): void {
    const tick = Math.floor(this.clock.now() / this.resolution);
    let batch = this.open;
    if (batch === undefined || tick !== this.openTick) {
      batch = this.spare.pop() ?? new Batch(this);
      this.open = batch;
      this.openTick = tick;
      this.pending.add(batch);
      batch.start(this.timers, this.delay);
    }
    batch.writers.push(writer);
  }

  /** A batch that starts running takes no more writers. */
  closeBatch(batch: Batch): void {
    if (this.open === batch) this.open = undefined;
    this.pending.delete(batch);
  }

  release(batch: Batch): void {
    if (this.spare.length < 64) this.spare.push(batch);
  }

  /** Batches waiting are dropped: their writers flush what they hold when they close. */
  close(): void {
    for (const batch of this.pending) batch.cancel();
    this.pending.clear();
    this.open = undefined;
  }
}
