/*
 * Calls to application backends (Centrifugo's proxy feature): the one interface per event
 * node/ uses, and the registry app.ts builds from the config.
 */
export type * from './types.js';
export { Proxies } from './registry.js';
export { CLIENT_IP_HEADER } from './endpoint.js';
export { ProxyCallError, ProxyCallErrorCode } from './errors.js';
