export { Node, type NodeDeps, type NodePublishOptions } from './node.js';
export { Client } from './client.js';
export type { Transport } from './transport.js';
export type { ChannelInfo } from './channel-rules.js';
export { serverRefresh, serverSubscribe, serverUnsubscribe, type ServerRefreshOptions, type ServerSubscribeOptions } from './server-ops.js';
export { toProtocolPublication } from './node.js';
export { applyFleetOp, targetClients, type FleetOp, type Target } from './fleet-ops.js';
export type { NodeInfo } from './control-plane.js';
export { engineFailure, type EngineFailure } from './engine-errors.js';
