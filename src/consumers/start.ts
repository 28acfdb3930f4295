import type { ApiContext } from '../api/index.js';
import type { ConsumerConfig } from '../config/index.js';
import type { Metrics } from '../metrics/index.js';
import type { Tracer } from '../telemetry/index.js';
import { CommandDispatcher } from './dispatch.js';
import { NatsJetStreamConsumer } from './nats-jetstream.js';
import { PostgresOutboxConsumer } from './postgres-outbox.js';
import { RedisStreamConsumer, type RedisConnector } from './redis-stream.js';
import type { Consumer, ConsumerDeps } from './types.js';

export interface StartConsumersOptions {
  configs: readonly ConsumerConfig[];
  /** The server API context commands run in; each consumer calls as `consumer:<name>`. */
  api: Omit<ApiContext, 'caller' | 'protocol'>;
  metrics: Metrics;
  nodeId: string;
  redis: RedisConnector;
  /** `opentelemetry.consuming`. */
  tracer: Tracer;
}

/** The running consumers of a server, closed together. */
export interface RunningConsumers {
  readonly count: number;
  close(): Promise<void>;
}

/**
 * Starts every enabled consumer (the config has already refused types Parsec does not run).
 * When one cannot start, those already started are closed and the error, naming the
 * consumer, stops the server's start.
 */
export async function startConsumers(opts: StartConsumersOptions): Promise<RunningConsumers> {
  const running: Consumer[] = [];
  const log = opts.api.log.child({ component: 'consumer' });
  try {
    for (const [i, c] of opts.configs.entries()) {
      if (!c.enabled) {
        log.info({ consumer: c.name, type: c.type }, 'consumer is not enabled: skipped');
        continue;
      }
      const clog = log.child({ consumer: c.name });
      const deps: ConsumerDeps = {
        name: c.name,
        at: `consumers[${i}]`,
        dispatcher: new CommandDispatcher({ ...opts.api, log: clog, caller: `consumer:${c.name}`, protocol: 'consuming' }, c.name, opts.tracer),
        log: clog,
        metrics: opts.metrics.consumers,
        maxAttempts: c.maxAttempts,
        nodeId: opts.nodeId,
      };
      opts.metrics.consumers.init(c.name);
      running.push(await start(c, deps, opts.redis));
      clog.info({ type: c.type }, 'consumer running');
    }
  } catch (err) {
    await Promise.all(running.map((c) => c.close()));
    throw err;
  }
  let closed: Promise<void> | undefined;
  return {
    count: running.length,
    close: () => (closed ??= Promise.all(running.map((c) => c.close())).then(() => undefined)),
  };
}

function start(c: ConsumerConfig, deps: ConsumerDeps, redis: RedisConnector): Promise<Consumer> {
  switch (c.type) {
    case 'postgresql':
      return PostgresOutboxConsumer.start(c.postgresql, deps);
    case 'redis_stream':
      return RedisStreamConsumer.start(c.redisStream, deps, redis);
    case 'nats_jetstream':
      return NatsJetStreamConsumer.start(c.natsJetstream, deps);
    default:
      // consumer-rules.ts refuses the others at load; a hand-built Config may still carry one.
      return Promise.reject(new Error(`consumers: type "${c.type}" of consumer "${c.name}" is not supported by Parsec`));
  }
}
