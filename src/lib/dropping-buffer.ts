/**
 * At most `max` items, the oldest dropped to take a new one when full, in constant time per
 * push: `Array.shift` on a full buffer would copy it whole on every push, which is the hot
 * case (a burst past the bound).
 */
export class DroppingBuffer<T> {
  private items: (T | undefined)[] = [];
  /** Where the kept items start: those before it were dropped. */
  private start = 0;

  constructor(private readonly max: number) {}

  get length(): number {
    return this.items.length - this.start;
  }

  /** Adds an item; returns whether the oldest one was dropped for it. */
  push(item: T): boolean {
    this.items.push(item);
    if (this.items.length - this.start <= this.max) return false;
    this.items[this.start++] = undefined;
    // Dropped slots are given back once they are as many as the kept ones.
    if (this.start >= this.max) {
      this.items = this.items.slice(this.start);
      this.start = 0;
    }
    return true;
  }

  /** Every kept item, oldest first; the buffer is empty after. */
  drain(): T[] {
    const out = (this.start === 0 ? this.items : this.items.slice(this.start)) as T[];
    this.items = [];
    this.start = 0;
    return out;
  }
}
