import type { CompiledFilter } from './filter-node.js';

type Labels = Readonly<Record<string, string>>;

/**
 * An inverted index over items carrying labels (key → value → items, and key → items
 * having it), so a filter with an `eq`/`in`/`ex` leaf — alone, under `and`, or in an `or`
 * whose every branch has one — yields its candidates in O(matches) instead of a scan.
 * Candidates are a superset of the matches: callers still evaluate the whole filter on
 * each, so the answer always equals a full scan.
 */
export class LabelIndex<T> {
  private readonly values = new Map<string, Map<string, Set<T>>>();
  private readonly keys = new Map<string, Set<T>>();

  add(item: T, labels: Labels | undefined): void {
    if (!labels) return;
    for (const [k, v] of Object.entries(labels)) {
      let byValue = this.values.get(k);
      if (!byValue) this.values.set(k, (byValue = new Map()));
      let items = byValue.get(v);
      if (!items) byValue.set(v, (items = new Set()));
      items.add(item);
      let withKey = this.keys.get(k);
      if (!withKey) this.keys.set(k, (withKey = new Set()));
      withKey.add(item);
    }
  }

  /** Removes an item; `labels` must be the ones it was added with. */
  remove(item: T, labels: Labels | undefined): void {
    if (!labels) return;
    for (const [k, v] of Object.entries(labels)) {
      const byValue = this.values.get(k);
      const items = byValue?.get(v);
      items?.delete(item);
      if (items?.size === 0) byValue!.delete(v);
      if (byValue?.size === 0) this.values.delete(k);
      const withKey = this.keys.get(k);
      withKey?.delete(item);
      if (withKey?.size === 0) this.keys.delete(k);
    }
  }

  /** Items that may match the filter, or undefined when its shape needs a scan. */
  candidates(f: CompiledFilter): ReadonlySet<T> | undefined {
    switch (f.kind) {
      case 'leaf':
        return this.leaf(f);
      case 'and': {
        // The smallest indexable branch bounds the result; the caller checks the rest.
        let best: ReadonlySet<T> | undefined;
        for (const n of f.nodes) {
          const c = this.candidates(n);
          if (c && (!best || c.size < best.size)) best = c;
        }
        return best;
      }
      case 'or': {
        const parts: Array<ReadonlySet<T>> = [];
        for (const n of f.nodes) {
          const c = this.candidates(n);
          if (!c) return undefined;
          parts.push(c);
        }
        return union(parts);
      }
      case 'not':
        return undefined;
    }
  }

  private leaf(f: Extract<CompiledFilter, { kind: 'leaf' }>): ReadonlySet<T> | undefined {
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
}

const EMPTY: ReadonlySet<never> = new Set<never>();

function union<T>(sets: Array<ReadonlySet<T>>): ReadonlySet<T> {
  const nonEmpty = sets.filter((s) => s.size > 0);
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? EMPTY;
  const out = new Set<T>();
  for (const s of nonEmpty) for (const item of s) out.add(item);
  return out;
}
