export { MemoryBroker, type MemoryBrokerOptions } from './broker.js';
export { MemoryPresenceManager } from './presence.js';
export { MemoryMapBroker, type MemoryMapBrokerOptions } from './map-broker.js';
