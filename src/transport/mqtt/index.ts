export { MqttFrontDoor, type MqttFrontDoorOptions } from './front-door.js';
export { MemoryRetainedStore, type RetainedMessage, type RetainedStore } from './retained.js';
export { TopicSpace } from './topics.js';
export { RedisRetainedStore } from './redis-retained.js';
export { RedisSessionDirectory, type SessionDirectory } from './session-directory.js';
