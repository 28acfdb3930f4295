import { fnv1a } from './string-filter.js';

/**
 * One copy of each recently seen string, for a store that keeps many strings whose values
 * repeat (users, addresses): a table of `size` strings by hash, a new value taking the
 * place of the one there. `same(s)` gives the kept copy equal to `s`, else keeps `s`. A
 * store that holds its strings for long then holds one object per value instead of one per
 * entry: each is one more object for every full collection to mark. A hash and one
 * comparison per call; bounded, and a value pushed out only costs its next copy.
 */
export class StringCache {
  private readonly table: string[];
  private readonly mask: number;

  /** `size`: a power of two. */
  constructor(size = 4096) {
    this.table = new Array<string>(size).fill('');
    this.mask = size - 1;
  }

  same(s: string): string {
    const at = fnv1a(s) & this.mask;
    const kept = this.table[at]!;
    if (kept === s) return kept;
    this.table[at] = s;
    return s;
  }
}
