export { MemoryBroker, type MemoryBrokerOptions } from './broker.js';
export { MemoryPresenceManager } from './presence.js';
