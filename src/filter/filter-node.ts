/**
 * FilterNode: a boolean expression over a string map (publication tags, connection
 * labels). Leaves compare one key; `and`/`or`/`not` combine child nodes.
 */
export interface FilterNode {
  op?: string;
  key?: string;
  cmp?: string;
  val?: string;
  vals?: string[];
  nodes?: FilterNode[];
}

export const comparisons = ['eq', 'neq', 'in', 'nin', 'ex', 'nex', 'sw', 'ew', 'ct', 'gt', 'gte', 'lt', 'lte'] as const;
export type Comparison = (typeof comparisons)[number];

/** A validated filter: every leaf has a key and a known comparison, nesting is bounded. */
export type CompiledFilter =
  | { kind: 'and' | 'or'; nodes: CompiledFilter[] }
  | { kind: 'not'; node: CompiledFilter }
  | { kind: 'leaf'; key: string; cmp: Comparison; val: string; vals: ReadonlySet<string> };

export const MAX_FILTER_DEPTH = 16;
export const MAX_FILTER_NODES = 256;

/** Why a filter was refused; the message names the node (`nodes[1].cmp`). */
export class FilterError extends Error {
  override readonly name = 'FilterError';
  readonly code = 'PARSEC_BAD_FILTER';
}
