export { MqttFrontDoor, type MqttFrontDoorOptions } from './front-door.js';
export { RedisRetainedStore } from './redis-retained.js';
export { RedisSessionDirectory } from './session-directory.js';
export { TopicSpace } from './topics.js';
