export { MIRROR_ORIGIN_TAG, Node, type NodeDeps, type NodePublishOptions, type PublicationMirror } from './node.js';
export { handleConnect } from './session/connect-handler.js';
export type { HubClient, Subscriber } from './hub.js';
export type { PublicationFanout } from './channels/publication-fanout.js';
export { InstrumentedBroker, InstrumentedPresence } from './instrumented-engine.js';
export { Client } from './session/client.js';
export { ClientWriter, type WriterOutput, type WriterOwner } from './session/writer.js';
export type { FrameJoiner } from './session/frame-join.js';
export { connectUnidirectional } from './session/uni-connect.js';
export { NO_HEADERS, listsChannels, type ChannelListing, type ConnectionRequest, type Transport } from './transport.js';
export type { ChannelInfo } from './channels/channel-rules.js';
export { serverRefresh, serverSubscribe, serverUnsubscribe, type ServerRefreshOptions, type ServerSubscribeOptions } from './cluster/server-ops.js';
export { toProtocolPublication } from './node.js';
export { applyFleetOp, targetClients, type FleetOp, type Target } from './cluster/fleet-ops.js';
export type { NodeInfo, SurveyResult } from './cluster/control-plane.js';
export { mergePages, type ConnectionEntry, type ConnectionsPage, type ConnectionsQuery } from './cluster/connections.js';
export { MAX_SNAPSHOT_ENTRIES } from './cluster/connection-snapshots.js';
export { engineFailure, type EngineFailure } from './engine-errors.js';
export {
  TOKEN_REVOKED_REASON,
  applyRevocation,
  coveredByUserRevocation,
  type RevocationNotice,
  type RevocationStore,
  type RevokedToken,
  type RevokedUser,
  type TokenIdentity,
} from './cluster/revocation.js';
export { USER_BLOCKED_REASON } from './cluster/blocks.js';

export { isMapChannel, mapOptionsOf, serverSideRefusal } from './channels/map-channel.js';
export { publicationDataProblem } from './channels/publication-format.js';
export { isWildcardSubscription } from './channels/subscribe-core.js';
export type { MapChannelOptions, MapPublication, MapWriteResult } from '../engine/map-types.js';
