export * from './codes.js';
export * from './errors.js';
export * from './types.js';
export { FrameDecodeError } from './decode-error.js';
export { codecFor, jsonCodec, protobufCodec, type ProtocolCodec, type ProtocolName } from './codec.js';
export { protoPath } from './proto-files.js';
export { decodeClientInfo, decodePublication, encodeClientInfo, encodePublication } from './protobuf-codec.js';
export { decodeEmulationRequest, type EmulationRequest } from './emulation.js';
export { encodeProtobufPush, decodeProtobufPush } from './protobuf-codec.js';
