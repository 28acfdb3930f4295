export { NatsBroker, type NatsBrokerOptions } from './broker.js';
