/**
 * Values by key, at most `maxKeys` of them, the oldest dropped half the bound at a time:
 * keys live in two generations of at most half the bound each; when the young one is full
 * it becomes the old one and the old one is dropped whole. Dropping costs nothing per key,
 * where deleting a Map's first keys one by one walks over every key deleted before (a Map
 * only compacts when it grows), which is quadratic in a table kept full. Reading moves nothing.
 */
export class BoundedMap<V> {
  protected young = new Map<string, V>();
  protected old = new Map<string, V>();
  private readonly half: number;

  constructor(maxKeys: number) {
    this.half = Math.max(1, Math.floor(maxKeys / 2));
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  get(key: string): V | undefined {
    return this.young.get(key) ?? this.old.get(key);
  }

  /** Sets a key's value: in place when it is kept, else as the newest key. */
  set(key: string, v: V): void {
    if (this.old.has(key)) this.old.set(key, v);
    else this.setYoung(key, v);
  }

  protected setYoung(key: string, v: V): void {
    if (!this.young.has(key) && this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, v);
  }

  delete(key: string): boolean {
    return this.young.delete(key) || this.old.delete(key);
  }

  /** Oldest first. */
  *entries(): IterableIterator<[string, V]> {
    yield* this.old;
    yield* this.young;
  }

  *values(): IterableIterator<V> {
    yield* this.old.values();
    yield* this.young.values();
  }
}

/**
 * A BoundedMap whose reads count as use: a key read is moved to the young generation, so a
 * key is kept while it is used at least once per `maxKeys / 2` new keys, the long unused
 * forgotten first, without the re-insertion per use that a strict least-recently-used
 * order costs on every hit.
 */
export class RecentKeys<V> extends BoundedMap<V> {
  override get(key: string): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const kept = this.old.get(key);
    if (kept === undefined) return undefined;
    this.old.delete(key);
    this.setYoung(key, kept);
    return kept;
  }
}
