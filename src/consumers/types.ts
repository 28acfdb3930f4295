import type { Logger } from 'pino';
import type { ConsumerMetrics } from '../metrics/index.js';
import type { CommandDispatcher } from './dispatch.js';

/** What every consumer gets: its name, where commands go, where to log and count. */
export interface ConsumerDeps {
  name: string;
  /** Its entry's config key (`consumers[2]`), which start errors name. */
  at: string;
  dispatcher: CommandDispatcher;
  log: Logger;
  metrics: ConsumerMetrics;
  /** Deliveries of a command failing with a temporary error before it is skipped; 0 = no bound. */
  maxAttempts: number;
  /** This node's id: the consumer name within a Redis consumer group. */
  nodeId: string;
}

/** A running consumer. */
export interface Consumer {
  /**
   * Stops taking new messages, lets the commands in flight finish (their acknowledgement or
   * deletion included) and closes the connections. Idempotent.
   */
  close(): Promise<void>;
}
