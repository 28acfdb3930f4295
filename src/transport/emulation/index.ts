export { EmulationHandler } from './emulation-handler.js';
export { StreamHandler } from './stream-handler.js';
export { httpStreamEndpoint, sseEndpoint } from './stream-endpoints.js';
export { StreamGate } from './stream-gate.js';
export { respond } from './respond.js';
export { STREAM_HEADERS } from './stream-headers.js';
export { jsonLines, sseEvents, type StreamFormat } from './stream-format.js';
export { StreamTransport } from './stream-transport.js';
