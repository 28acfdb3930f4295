export { WebSocketHandler } from './ws/websocket-handler.js';
export { EmulationHandler, StreamHandler, httpStreamEndpoint, sseEndpoint } from './emulation/index.js';
export { ConnectionRate } from './connection-rate.js';
export { OriginCheck } from './origin.js';
export { wholeFrame } from './ws/shared-frame.js';
export { UniGrpcServer, UniStreamHandler, UniWebSocketHandler, uniHttpStreamEndpoint, uniSseEndpoint } from './uni/index.js';
export { MqttFrontDoor, RedisRetainedStore, RedisSessionDirectory, TopicSpace } from './mqtt/index.js';
