import type { ApiContext } from '../context.js';

/** This node's identity and load; with a cluster engine, every live node appears here. */
export async function info(ctx: ApiContext): Promise<{ nodes: unknown[] }> {
  const { node } = ctx;
  const { hub } = node;
  const cpu = process.cpuUsage();
  const uptimeMs = Math.max(1, node.clock.now() - node.startedAt);
  // Centrifugo reports CPU as a percentage; this is the average over the node's lifetime.
  const cpuPercent = Math.round(((cpu.user + cpu.system) / 1000 / uptimeMs) * 1000) / 10;
  return {
    nodes: [
      {
        uid: node.id,
        name: node.deps.name,
        version: node.deps.version,
        num_clients: hub.numClients,
        num_users: hub.numUsers,
        num_channels: hub.numChannels,
        num_subs: hub.numSubscriptions,
        uptime: Math.floor(uptimeMs / 1000),
        process: { cpu: cpuPercent, rss: process.memoryUsage.rss() },
      },
    ],
  };
}
