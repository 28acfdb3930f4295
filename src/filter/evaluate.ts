import type { CompiledFilter } from './filter-node.js';

const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * Orders two values: numerically when both are numbers, else as strings. Centrifugo
 * orders only numbers (text never matches gt/lt there); ordering text too lets version
 * labels be compared, and is listed in the README's compatibility notes.
 */
function order(a: string, b: string): number {
  if (NUMBER.test(a) && NUMBER.test(b)) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether a string map satisfies the filter. A missing key fails every leaf but `nex`,
 * `neq` and `nin`: `in`/`nin` read it as the empty string, as Centrifugo does.
 */
export function matches(f: CompiledFilter, values: Readonly<Record<string, string>> | undefined): boolean {
  switch (f.kind) {
    // Loops rather than every/some: no closure per node and call, which costs about as much as the leaves.
    case 'and':
      for (const n of f.nodes) if (!matches(n, values)) return false;
      return true;
    case 'or':
      for (const n of f.nodes) if (matches(n, values)) return true;
      return false;
    case 'not':
      return !matches(f.node, values);
    case 'leaf': {
      // Only own string values count: `toString` or `__proto__` read through the prototype
      // are not labels (the label index, built from own entries, agrees).
      const own: unknown = values?.[f.key];
      const v = typeof own === 'string' ? own : undefined;
      switch (f.cmp) {
        case 'ex':
          return v !== undefined;
        case 'nex':
          return v === undefined;
        case 'eq':
          return v === f.val;
        case 'neq':
          return v !== f.val;
        case 'in':
          return f.vals.has(v ?? '');
        case 'nin':
          return !f.vals.has(v ?? '');
        case 'sw':
          return v !== undefined && v.startsWith(f.val);
        case 'ew':
          return v !== undefined && v.endsWith(f.val);
        case 'ct':
          return v !== undefined && v.includes(f.val);
        case 'gt':
          return v !== undefined && order(v, f.val) > 0;
        case 'gte':
          return v !== undefined && order(v, f.val) >= 0;
        case 'lt':
          return v !== undefined && order(v, f.val) < 0;
        case 'lte':
          return v !== undefined && order(v, f.val) <= 0;
      }
    }
  }
}
