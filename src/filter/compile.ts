import { FilterError, MAX_FILTER_DEPTH, MAX_FILTER_NODES, comparisons, type CompiledFilter, type Comparison, type FilterNode } from './filter-node.js';

const needsVals = new Set<Comparison>(['in', 'nin']);
const needsNoVal = new Set<Comparison>(['ex', 'nex']);

/** Validates a FilterNode and turns it into a form cheap to evaluate. Throws FilterError naming the bad node. */
export function compileFilter(node: FilterNode): CompiledFilter {
  let count = 0;
  const walk = (n: FilterNode, path: string, depth: number): CompiledFilter => {
    if (depth > MAX_FILTER_DEPTH) throw new FilterError(`${path}: nested deeper than ${MAX_FILTER_DEPTH}`);
    if (++count > MAX_FILTER_NODES) throw new FilterError(`filter has more than ${MAX_FILTER_NODES} nodes`);
    const op = n.op ?? '';
    const child = (i: number): string => `${path ? path + '.' : ''}nodes[${i}]`;
    switch (op) {
      case 'and':
      case 'or': {
        if (!n.nodes || n.nodes.length === 0) throw new FilterError(`${path || 'filter'}: "${op}" needs nodes`);
        return { kind: op, nodes: n.nodes.map((c, i) => walk(c, child(i), depth + 1)) };
      }
      case 'not': {
        if (!n.nodes || n.nodes.length !== 1) throw new FilterError(`${path || 'filter'}: "not" needs exactly one node`);
        return { kind: 'not', node: walk(n.nodes[0]!, child(0), depth + 1) };
      }
      case '': {
        const where = path || 'filter';
        if (!n.key) throw new FilterError(`${where}: leaf without key`);
        const cmp = n.cmp as Comparison;
        if (!comparisons.includes(cmp)) throw new FilterError(`${where}: unknown cmp ${JSON.stringify(n.cmp ?? '')}`);
        if (needsVals.has(cmp) && (!n.vals || n.vals.length === 0)) throw new FilterError(`${where}: "${cmp}" needs vals`);
        if (!needsVals.has(cmp) && !needsNoVal.has(cmp) && n.val === undefined) throw new FilterError(`${where}: "${cmp}" needs val`);
        return { kind: 'leaf', key: n.key, cmp, val: n.val ?? '', vals: new Set(n.vals ?? []) };
      }
      default:
        throw new FilterError(`${path || 'filter'}: unknown op ${JSON.stringify(op)}`);
    }
  };
  return walk(node, '', 0);
}
