import type { CompiledFilter } from './filter-node.js';

type Labels = Readonly<Record<string, string>>;

/**
 * The items with one label value (or one key). Once it holds a good part of all items it
 * also keeps a bitmap of their slots, so that an `and` of large postings intersects word by
 * word instead of item by item. The bitmap costs one bit per slot of the index: it is built
 * only when the set's own entries cost several times as much, and dropped when they shrink.
 * An intersection's items are an array: nothing searches them, the caller only iterates.
 */
interface Posting<T> {
  readonly items: ReadonlySet<T> | readonly T[];
  readonly bits: Uint32Array | undefined;
}

class MutablePosting<T> implements Posting<T> {
  readonly items = new Set<T>();
  bits: Uint32Array | undefined;
}

const sizeOf = <T>(p: Posting<T>): number => (p.items instanceof Set ? p.items.size : (p.items as readonly T[]).length);

interface Found<T> {
  readonly posting: Posting<T>;
  readonly rest: CompiledFilter | undefined;
}

/**
 * The index's answer to a filter: `items` hold every match, and the items that also satisfy
 * `rest` are exactly the matches. `rest` is the part of the filter the index did not prove
 * (branches of an `and` it cannot answer, an `or` with such a branch); undefined when every
 * item matches, so callers evaluate nothing.
 */
export interface LabelSelection<T> {
  readonly items: ReadonlySet<T> | readonly T[];
  readonly rest: CompiledFilter | undefined;
}

/** Dense from a 32nd of the slots on (the bitmap then costs an eighth of a byte per member); sparse again below a 64th. */
const DENSE_SHARE = 32;

/**
 * An inverted index over items carrying labels (key → value → items, and key → items
 * having it), so a filter with an `eq`/`in`/`ex` leaf — alone, under `and`, or in an `or`
 * whose every branch has one — yields its candidates in O(matches) instead of a scan. The
 * indexed branches of an `and` are intersected, smallest first (bitmaps where the postings
 * are dense), rather than the smallest handed over whole.
 * The items found are a superset of the matches; callers evaluate on each what the index
 * did not prove (the selection's `rest`), so the answer always equals a full scan.
 */
export class LabelIndex<T> {
  private readonly values = new Map<string, Map<string, MutablePosting<T>>>();
  private readonly keys = new Map<string, MutablePosting<T>>();
  /** Every labelled item has a slot, its bit in the bitmaps; freed slots are reused. */
  private readonly slotOf = new Map<T, number>();
  private readonly bySlot: Array<T | undefined> = [];
  private readonly freeSlots: number[] = [];

  /** `denseMin`: postings smaller than this never get a bitmap (small for tests). */
  constructor(private readonly denseMin = 1024) {}

  add(item: T, labels: Labels | undefined): void {
    if (!labels || this.slotOf.has(item)) return;
    const slot = this.freeSlots.pop() ?? this.bySlot.length;
    this.bySlot[slot] = item;
    this.slotOf.set(item, slot);
    for (const [k, v] of Object.entries(labels)) {
      let byValue = this.values.get(k);
      if (!byValue) this.values.set(k, (byValue = new Map()));
      let posting = byValue.get(v);
      if (!posting) byValue.set(v, (posting = new MutablePosting()));
      this.enter(posting, item, slot);
      let withKey = this.keys.get(k);
      if (!withKey) this.keys.set(k, (withKey = new MutablePosting()));
      this.enter(withKey, item, slot);
    }
  }

  /** Removes an item; `labels` must be the ones it was added with. */
  remove(item: T, labels: Labels | undefined): void {
    const slot = this.slotOf.get(item);
    if (!labels || slot === undefined) return;
    for (const [k, v] of Object.entries(labels)) {
      const byValue = this.values.get(k);
      const posting = byValue?.get(v);
      if (posting) this.leave(posting, item, slot);
      if (posting?.items.size === 0) byValue!.delete(v);
      if (byValue?.size === 0) this.values.delete(k);
      const withKey = this.keys.get(k);
      if (withKey) this.leave(withKey, item, slot);
      if (withKey?.items.size === 0) this.keys.delete(k);
    }
    this.slotOf.delete(item);
    this.bySlot[slot] = undefined;
    this.freeSlots.push(slot);
  }

  /** What the index can say about the filter, or undefined when its shape needs a scan. */
  select(f: CompiledFilter): LabelSelection<T> | undefined {
    const found = this.find(f);
    return found && { items: found.posting.items, rest: found.rest };
  }

  private find(f: CompiledFilter): Found<T> | undefined {
    switch (f.kind) {
      case 'leaf': {
        const posting = this.leaf(f);
        return posting && { posting, rest: undefined };
      }
      case 'and': {
        const parts: Array<Posting<T>> = [];
        const rests: CompiledFilter[] = [];
        this.andParts(f, parts, rests);
        if (parts.length === 0) return undefined;
        return { posting: this.intersect(parts), rest: rests.length <= 1 ? rests[0] : { kind: 'and', nodes: rests } };
      }
      case 'or': {
        const parts: Array<Posting<T>> = [];
        let exact = true;
        for (const n of f.nodes) {
          const c = this.find(n);
          if (!c) return undefined;
          parts.push(c.posting);
          exact &&= c.rest === undefined;
        }
        // A branch's rest cannot be split off: an item found by one branch may match by another.
        return { posting: union(parts), rest: exact ? undefined : f };
      }
      case 'not':
        return undefined;
    }
  }

  /**
   * The indexed branches of an `and` and what they leave unproven (their rests, and the
   * branches the index cannot answer), nested `and`s flattened so all intersect at once.
   */
  private andParts(f: { readonly nodes: readonly CompiledFilter[] }, parts: Array<Posting<T>>, rests: CompiledFilter[]): void {
    for (const n of f.nodes) {
      if (n.kind === 'and') {
        this.andParts(n, parts, rests);
        continue;
      }
      const c = this.find(n);
      if (!c) {
        rests.push(n);
        continue;
      }
      parts.push(c.posting);
      if (c.rest) rests.push(c.rest);
    }
  }

  /** An `eq`, `in` (without "") or `ex` leaf's items: exactly the items it matches. */
  private leaf(f: Extract<CompiledFilter, { kind: 'leaf' }>): Posting<T> | undefined {
    switch (f.cmp) {
      case 'eq':
        return this.values.get(f.key)?.get(f.val) ?? EMPTY;
      case 'in': {
        // `in` with "" also matches items without the key, which the index does not hold.
        if (f.vals.has('')) return undefined;
        const byValue = this.values.get(f.key);
        if (!byValue) return EMPTY;
        return union([...f.vals].map((v) => byValue.get(v) ?? EMPTY));
      }
      case 'ex':
        return this.keys.get(f.key) ?? EMPTY;
      default:
        return undefined;
    }
  }

  /** The items in every part: word by word when all are dense, else the smallest checked against the others. */
  private intersect(parts: Array<Posting<T>>): Posting<T> {
    parts.sort((a, b) => sizeOf(a) - sizeOf(b));
    const smallest = parts[0]!;
    if (parts.length === 1 || sizeOf(smallest) === 0) return smallest;
    const bitmaps: Uint32Array[] = [];
    for (const p of parts) if (p.bits) bitmaps.push(p.bits);
    const items = bitmaps.length === parts.length ? this.everyBit(bitmaps) : this.probe(smallest, parts.slice(1));
    return { items, bits: undefined };
  }

  /** The items whose slot is set in every bitmap (at least two), in slot order. */
  private everyBit(bitmaps: Uint32Array[]): T[] {
    let words = Math.ceil(this.bySlot.length / 32);
    for (const b of bitmaps) words = Math.min(words, b.length);
    const [first, second] = bitmaps as [Uint32Array, Uint32Array];
    const out: T[] = [];
    for (let w = 0; w < words; w++) {
      let x = first[w]! & second[w]!;
      for (let i = 2; i < bitmaps.length && x !== 0; i++) x &= bitmaps[i]![w]!;
      while (x !== 0) {
        const low = x & -x;
        out.push(this.bySlot[(w << 5) | (31 - Math.clz32(low))]!);
        x ^= low;
      }
    }
    return out;
  }

  /** The items of `smallest` found in every other part: a bit test where it has a bitmap, else a set lookup. */
  private probe(smallest: Posting<T>, others: Array<Posting<T>>): T[] {
    // An intersection is an array; one only meets another `and` through a one-branch `or`.
    const sets = others.map((p) => (p.items instanceof Set ? p.items : new Set(p.items)));
    const needSlot = others.some((p) => p.bits);
    const out: T[] = [];
    outer: for (const item of smallest.items) {
      const slot = needSlot ? this.slotOf.get(item)! : 0;
      for (let i = 0; i < others.length; i++) {
        const bits = others[i]!.bits;
        if (bits ? ((bits[slot >>> 5] ?? 0) & (1 << (slot & 31))) === 0 : !sets[i]!.has(item)) continue outer;
      }
      out.push(item);
    }
    return out;
  }

  private enter(p: MutablePosting<T>, item: T, slot: number): void {
    p.items.add(item);
    if (p.bits) {
      const w = slot >>> 5;
      if (w >= p.bits.length) p.bits = grown(p.bits, w + 1);
      p.bits[w]! |= 1 << (slot & 31);
    } else if (p.items.size >= this.denseMin && p.items.size * DENSE_SHARE >= this.bySlot.length) {
      const bits = new Uint32Array(Math.ceil(this.bySlot.length / 32));
      for (const it of p.items) {
        const s = this.slotOf.get(it)!;
        bits[s >>> 5]! |= 1 << (s & 31);
      }
      p.bits = bits;
    }
  }

  private leave(p: MutablePosting<T>, item: T, slot: number): void {
    p.items.delete(item);
    if (!p.bits) return;
    if (p.items.size < this.denseMin || p.items.size * DENSE_SHARE * 2 < this.bySlot.length) p.bits = undefined;
    else p.bits[slot >>> 5]! &= ~(1 << (slot & 31));
  }
}

/** At least `words` long, doubling so that a growing index copies each bitmap O(log n) times. */
function grown(bits: Uint32Array, words: number): Uint32Array {
  const out = new Uint32Array(Math.max(words, bits.length * 2));
  out.set(bits);
  return out;
}

const EMPTY: Posting<never> = { items: new Set<never>(), bits: undefined };

function union<T>(parts: Array<Posting<T>>): Posting<T> {
  const nonEmpty = parts.filter((p) => sizeOf(p) > 0);
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? EMPTY;
  const out = new Set<T>();
  for (const p of nonEmpty) for (const item of p.items) out.add(item);
  return { items: out, bits: undefined };
}
