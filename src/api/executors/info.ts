import type { NodeInfo } from '../../node/index.js';
import type { ApiContext } from '../context.js';

/** Every live node of the cluster (this one alone on the memory engine). */
export async function info(ctx: ApiContext): Promise<{ nodes: NodeInfo[] }> {
  return { nodes: ctx.node.control.nodes() };
}
