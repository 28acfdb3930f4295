export { systemClock, type Clock } from './clock.js';
export { TimerWheel, type TimerHandle, type TimerWheelOptions } from './timer-wheel.js';
export { newClientId, newSessionId, newSortableId, randomString } from './ids.js';
export { packageRoot, packageVersion } from './package-info.js';
export { BodyTooLargeError, readBody } from './read-body.js';
export { ClientAddress } from './client-address.js';
export { CompactMap } from './compact-map.js';
export { ListenError, listenOn } from './listen-error.js';
export { filterCovers, hasWildcard, isServerTopic, topicFilterProblem, topicMatches, topicNameProblem } from './mqtt-topics.js';
