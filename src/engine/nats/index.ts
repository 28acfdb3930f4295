export { NatsBroker, type NatsBrokerOptions } from './broker.js';
export type { NatsTls } from './connection.js';
