export { compileFilter } from './compile.js';
export { matches } from './evaluate.js';
export { FilterError, MAX_FILTER_DEPTH, MAX_FILTER_NODES, comparisons, type CompiledFilter, type Comparison, type FilterNode } from './filter-node.js';
export { LabelIndex, type LabelSelection } from './label-index.js';
