export { EmulationHandler } from './emulation-handler.js';
export { StreamHandler } from './stream-handler.js';
export { httpStreamEndpoint, sseEndpoint } from './stream-endpoints.js';
