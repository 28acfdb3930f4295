import { TimerWheel, type Clock } from '../../lib/index.js';
import { forgetJoins } from './frame-join.js';

/** A writer a batch flushes when its delay is up. */
export interface BatchedWriter {
  flushBatch(): void;
}

/** Writers whose first waiting push arrived within one tick, flushed together. */
class Batch {
  readonly writers: BatchedWriter[] = [];

  constructor(private readonly owner: WriteBatches) {}

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
 * frame. Every writer of the node that gets its first waiting push within the same tick joins
 * one batch, and a batch is one timer: at 100k connections there is no timer per connection
 * and no allocation per push. The batches run on a wheel of their own, a quarter of the delay
 * fine: the node's wheel ticks every 100 ms, too coarse for delays of a few milliseconds.
 */
export class WriteBatches {
  private readonly wheel: TimerWheel;
  private readonly resolution: number;
  private open: Batch | undefined;
  private openTick = -1;
  /** Batches that ran, kept for reuse: a steady load allocates none. */
  private readonly spare: Batch[] = [];

  constructor(
    private readonly clock: Clock,
    /** ms, greater than 0. */
    readonly delay: number,
  ) {
    this.resolution = Math.max(1, Math.floor(delay / 4));
    this.wheel = new TimerWheel({ clock, resolution: this.resolution });
  }

  /** Flushes `writer` no later than the delay from now; it must not be waiting in a batch already. */
  add(writer: BatchedWriter): void {
    const tick = Math.floor(this.clock.now() / this.resolution);
    let batch = this.open;
    if (batch === undefined || tick !== this.openTick) {
      batch = this.spare.pop() ?? new Batch(this);
      this.open = batch;
      this.openTick = tick;
      // The wheel runs a timer up to one tick after it is due; due a tick early, the first
      // writer of the batch waits at most the delay and the last one at least delay - 2 ticks.
      this.wheel.schedule(Math.max(0, this.delay - this.resolution), batch.run, batch);
    }
    batch.writers.push(writer);
  }

  /** A batch that starts running takes no more writers. */
  closeBatch(batch: Batch): void {
    if (this.open === batch) this.open = undefined;
  }

  release(batch: Batch): void {
    if (this.spare.length < 64) this.spare.push(batch);
  }

  /** Batches waiting are dropped: their writers flush what they hold when they close. */
  close(): void {
    this.wheel.close();
    this.open = undefined;
  }
}
