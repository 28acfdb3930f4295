/**
 * Values by key, at most `maxKeys` of them, the long unused forgotten first. Keys live in
 * two generations of at most half the bound each: a key in use is found in the young one (a
 * lookup, nothing moved) or moved there from the old one; when the young generation is full
 * it becomes the old one, and the old one is dropped. So a key is kept while it is used at
 * least once per `maxKeys / 2` new keys, without the re-insertion per use that a strict
 * least-recently-used order costs on every hit.
 */
export class RecentKeys<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  private readonly half: number;

  constructor(maxKeys: number) {
    this.half = Math.max(1, Math.floor(maxKeys / 2));
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  /** The key's value, now among the recently used; undefined when it is not kept. */
  get(key: string): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const kept = this.old.get(key);
    if (kept === undefined) return undefined;
    this.old.delete(key);
    this.set(key, kept);
    return kept;
  }

  /** Keeps a key that `get` did not find. */
  set(key: string, v: V): void {
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, v);
  }
}
