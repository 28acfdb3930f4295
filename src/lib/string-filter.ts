/** Bits per expected string: with two probes, about 1 in 70 absent strings gets a "maybe". */
const BITS_PER_STRING = 16;
const MIN_BITS = 1 << 16;

/** FNV-1a over the UTF-16 code units: cheap for the short ids it is given, and well spread. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Whether a string may be in a set, from a compact table of bits (a Bloom filter with two
 * probes): "no" is certain, "maybe" is for the set itself to answer. A miss in a large Map
 * reads its table and the stored keys it compares, spread over the heap (several cache lines
 * and pages per lookup, which cost more on a virtual machine); this reads two bits of one
 * small table that stays in cache when it is asked often. Strings are never taken out: the
 * owner rebuilds the filter after removing many.
 */
export class StringFilter {
  private readonly bits: Int32Array;
  private readonly mask: number;
  /** How many strings it holds before "maybe" gets frequent: the owner rebuilds past it. */
  readonly capacity: number;

  constructor(expected: number) {
    let size = MIN_BITS;
    while (size < expected * BITS_PER_STRING * 2) size *= 2;
    this.bits = new Int32Array(size >>> 5);
    this.mask = size - 1;
    this.capacity = size / BITS_PER_STRING;
  }

  add(s: string): void {
    const h = fnv1a(s);
    this.set(h & this.mask);
    this.set(second(h) & this.mask);
  }

  mayHave(s: string): boolean {
    const h = fnv1a(s);
    return this.get(h & this.mask) && this.get(second(h) & this.mask);
  }

  private set(bit: number): void {
    this.bits[bit >>> 5]! |= 1 << (bit & 31);
  }

  private get(bit: number): boolean {
    return (this.bits[bit >>> 5]! & (1 << (bit & 31))) !== 0;
  }
}

/** A second probe from the same hash, mixed so the two do not move together. */
function second(h: number): number {
  const x = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return (x ^ (x >>> 12)) >>> 0;
}
