import { FilterError, MAX_FILTER_DEPTH, MAX_FILTER_NODES, comparisons, type CompiledFilter, type Comparison, type FilterNode } from './filter-node.js';

const needsVals = new Set<Comparison>(['in', 'nin']);
const needsNoVal = new Set<Comparison>(['ex', 'nex']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates a FilterNode — decoded JSON or protobuf, so nothing about its shape is
 * trusted — and turns it into a form cheap to evaluate. Throws FilterError naming the
 * bad node (`nodes[1].cmp`). Depth is checked before descending, so a hostile nesting
 * cannot exhaust the stack.
 */
export function compileFilter(input: FilterNode | unknown): CompiledFilter {
  let count = 0;
  const walk = (n: unknown, path: string, depth: number): CompiledFilter => {
    const where = path || 'filter';
    if (depth > MAX_FILTER_DEPTH) throw new FilterError(`${where}: nested deeper than ${MAX_FILTER_DEPTH}`);
    if (++count > MAX_FILTER_NODES) throw new FilterError(`filter has more than ${MAX_FILTER_NODES} nodes`);
    if (!isObject(n)) throw new FilterError(`${where}: expected an object`);
    const field = (k: string): string | undefined => {
      const v = n[k];
      if (v === undefined || v === null || v === '') return undefined;
      if (typeof v !== 'string') throw new FilterError(`${where}.${k}: expected a string`);
      return v;
    };
    const op = field('op') ?? '';
    const nodes = n.nodes === undefined || n.nodes === null ? [] : n.nodes;
    if (!Array.isArray(nodes)) throw new FilterError(`${where}.nodes: expected an array`);
    const child = (i: number): string => `${path ? path + '.' : ''}nodes[${i}]`;
    switch (op) {
      case 'and':
      case 'or':
        if (nodes.length === 0) throw new FilterError(`${where}: "${op}" needs nodes`);
        return { kind: op, nodes: nodes.map((c, i) => walk(c, child(i), depth + 1)) };
      case 'not':
        if (nodes.length !== 1) throw new FilterError(`${where}: "not" needs exactly one node`);
        return { kind: 'not', node: walk(nodes[0], child(0), depth + 1) };
      case '': {
        const key = field('key');
        if (!key) throw new FilterError(`${where}: leaf without key`);
        const cmp = (field('cmp') ?? '') as Comparison;
        if (!comparisons.includes(cmp)) throw new FilterError(`${where}: unknown cmp ${JSON.stringify(n.cmp ?? '')}`);
        const vals = n.vals === undefined || n.vals === null ? [] : n.vals;
        if (!Array.isArray(vals) || vals.some((v) => typeof v !== 'string')) throw new FilterError(`${where}.vals: expected an array of strings`);
        const val = n.val === undefined || n.val === null ? undefined : n.val;
        if (val !== undefined && typeof val !== 'string') throw new FilterError(`${where}.val: expected a string`);
        if (needsVals.has(cmp) && vals.length === 0) throw new FilterError(`${where}: "${cmp}" needs vals`);
        if (!needsVals.has(cmp) && !needsNoVal.has(cmp) && val === undefined) throw new FilterError(`${where}: "${cmp}" needs val`);
        return { kind: 'leaf', key, cmp, val: val ?? '', vals: new Set(vals as string[]) };
      }
      default:
        throw new FilterError(`${where}: unknown op ${JSON.stringify(op)}`);
    }
  };
  return walk(input, '', 0);
}
