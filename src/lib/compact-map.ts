/** Marks the inline slot as empty (a key may be any value, `undefined` included). */
const EMPTY: unique symbol = Symbol('empty');

/**
 * A Map for collections that usually hold one entry: that entry sits in two fields, and
 * a real Map is made for the second. A Map holding one entry costs about 180 bytes,
 * which is a large share of an idle session (most have one subscription).
 * Iterating while deleting behaves as with a Map.
 */
export class CompactMap<K, V> {
  private key: K | typeof EMPTY = EMPTY;
  private value: V | undefined;
  /** Set once a second key arrives; dropped again when emptied. */
  private many: Map<K, V> | undefined;

  get size(): number {
    if (this.many) return this.many.size;
    return this.key === EMPTY ? 0 : 1;
  }

  get(key: K): V | undefined {
    if (this.many) return this.many.get(key);
    return this.key === key ? this.value : undefined;
  }

  has(key: K): boolean {
    if (this.many) return this.many.has(key);
    return this.key === key;
  }

  set(key: K, value: V): this {
    if (this.many) {
      this.many.set(key, value);
    } else if (this.key === EMPTY || this.key === key) {
      this.key = key;
      this.value = value;
    } else {
      this.many = new Map([
        [this.key, this.value as V],
        [key, value],
      ]);
      this.key = EMPTY;
      this.value = undefined;
    }
    return this;
  }

  delete(key: K): boolean {
    if (this.many) {
      const deleted = this.many.delete(key);
      if (this.many.size === 0) this.many = undefined;
      return deleted;
    }
    if (this.key !== key) return false;
    this.key = EMPTY;
    this.value = undefined;
    return true;
  }

  clear(): void {
    this.many = undefined;
    this.key = EMPTY;
    this.value = undefined;
  }

  keys(): IterableIterator<K> {
    if (this.many) return this.many.keys();
    return (this.key === EMPTY ? [] : [this.key]).values();
  }

  values(): IterableIterator<V> {
    if (this.many) return this.many.values();
    return (this.key === EMPTY ? [] : [this.value as V]).values();
  }
}
