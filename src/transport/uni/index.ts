export { UniGrpcServer } from './uni-grpc-server.js';
export { UniStreamHandler, uniHttpStreamEndpoint, uniSseEndpoint } from './uni-stream-handler.js';
export { UniWebSocketHandler } from './uni-websocket-handler.js';
