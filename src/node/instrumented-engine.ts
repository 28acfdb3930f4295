import { isHealthReporter, type Broker, type BrokerEventHandler, type HealthReporter, type HistoryPage, type HistoryQuery, type PresenceManager, type PresenceStats, type PublishOptions } from '../engine/types.js';
import { MessageType, type EngineMetrics, type EngineOp, type Metrics } from '../metrics/index.js';
import type { ClientInfo, StreamPosition } from '../protocol/index.js';

/** Runs one engine call, recording its duration and whether it succeeded. */
async function timed<T>(m: EngineMetrics, op: EngineOp, call: Promise<T>): Promise<T> {
  const started = performance.now();
  let ok = false;
  try {
    const out = await call;
    ok = true;
    return out;
  } finally {
    m.observe(op, ok, (performance.now() - started) / 1000);
  }
}

/**
 * The node's broker with every call timed (`parsec_engine_command_duration_seconds`) and the
 * messages sent to it counted (`centrifugo_node_messages_sent_count`). Used only with metrics
 * on, so a server without them calls its engine directly. Health passes through; closing
 * stays with whoever built the engine.
 */
export class InstrumentedBroker implements Broker, HealthReporter {
  private readonly engine: EngineMetrics;

  constructor(
    private readonly inner: Broker,
    private readonly metrics: Metrics,
  ) {
    this.engine = metrics.engine;
  }

  run(handler: BrokerEventHandler): Promise<void> {
    return this.inner.run(handler);
  }

  subscribe(channel: string): Promise<void> {
    return timed(this.engine, 'subscribe', this.inner.subscribe(channel));
  }

  unsubscribe(channel: string): Promise<void> {
    return timed(this.engine, 'unsubscribe', this.inner.unsubscribe(channel));
  }

  publish(channel: string, data: Uint8Array, opts: PublishOptions): Promise<StreamPosition> {
    this.metrics.node.messageSent(MessageType.publication);
    return timed(this.engine, 'publish', this.inner.publish(channel, data, opts));
  }

  publishJoin(channel: string, info: ClientInfo): Promise<void> {
    this.metrics.node.messageSent(MessageType.join);
    return timed(this.engine, 'publish_join', this.inner.publishJoin(channel, info));
  }

  publishLeave(channel: string, info: ClientInfo): Promise<void> {
    this.metrics.node.messageSent(MessageType.leave);
    return timed(this.engine, 'publish_leave', this.inner.publishLeave(channel, info));
  }

  publishControl(data: Uint8Array): Promise<void> {
    this.metrics.node.messageSent(MessageType.control);
    return timed(this.engine, 'publish_control', this.inner.publishControl(data));
  }

  history(channel: string, query: HistoryQuery): Promise<HistoryPage> {
    return timed(this.engine, 'history', this.inner.history(channel, query));
  }

  removeHistory(channel: string): Promise<void> {
    return timed(this.engine, 'remove_history', this.inner.removeHistory(channel));
  }

  subscribeRefusal(channel: string): string | undefined {
    return this.inner.subscribeRefusal?.(channel);
  }

  unhealthyReason(): string | undefined {
    return isHealthReporter(this.inner) ? this.inner.unhealthyReason() : undefined;
  }
}

/** The node's presence manager with every call timed, as `InstrumentedBroker`. */
export class InstrumentedPresence implements PresenceManager {
  constructor(
    private readonly inner: PresenceManager,
    private readonly engine: EngineMetrics,
  ) {}

  presence(channel: string): Promise<Record<string, ClientInfo>> {
    return timed(this.engine, 'presence', this.inner.presence(channel));
  }

  presenceStats(channel: string): Promise<PresenceStats> {
    return timed(this.engine, 'presence_stats', this.inner.presenceStats(channel));
  }

  addPresence(channel: string, clientId: string, info: ClientInfo): Promise<void> {
    return timed(this.engine, 'add_presence', this.inner.addPresence(channel, clientId, info));
  }

  removePresence(channel: string, clientId: string, userId: string): Promise<void> {
    return timed(this.engine, 'remove_presence', this.inner.removePresence(channel, clientId, userId));
  }
}
