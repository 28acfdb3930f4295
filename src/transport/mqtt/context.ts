import type { Logger } from 'pino';
import type { MqttConfig } from '../../config/types.js';
import type { Node } from '../../node/index.js';
import type { RetainedStore } from './retained.js';
import type { TopicSpace } from './topics.js';
import type { SessionRegistry } from './sessions.js';
import type { SessionDirectory } from './session-directory.js';

/** What every MQTT connection and session of a node shares. */
export interface MqttContext {
  readonly node: Node;
  readonly config: Readonly<MqttConfig>;
  readonly topics: TopicSpace;
  readonly retained: RetainedStore;
  readonly sessions: SessionRegistry;
  /** Which node holds a client id's persistent session (Redis); none on one node. */
  readonly directory: SessionDirectory | undefined;
  readonly log: Logger;
}
