import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { Accumulated } from './accumulated.js';
import { BROADCAST_BUCKETS } from './buckets.js';

/** What the node gauges show, read when Prometheus scrapes. */
export interface NodeStats {
  clients: number;
  users: number;
  subscriptions: number;
  channels: number;
  nodes: number;
}

/** Messages between the node and its broker, by the centrifuge library's `type` label. */
export const MESSAGE_TYPES = ['publication', 'join', 'leave', 'control'] as const;
export const MessageType = { publication: 0, join: 1, leave: 2, control: 3 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

const NO_STATS: NodeStats = { clients: 0, users: 0, subscriptions: 0, channels: 0, nodes: 0 };

/**
 * `centrifugo_node_*`: the node's size (gauges read at scrape), its build, the messages it
 * sends to and receives from the broker, and how long a broadcast to local subscribers takes.
 * The `channel_namespace` label is always empty, as in Centrifugo, which sets no resolver.
 */
export class NodeMetrics {
  private stats: () => NodeStats = () => NO_STATS;
  private readonly sent = new Accumulated(MESSAGE_TYPES.length);
  private readonly received = new Accumulated(MESSAGE_TYPES.length);
  private readonly broadcast: Histogram<'type' | 'channel_namespace'>;

  constructor(registry: Registry, private readonly on: boolean, version: string) {
    const gauge = (name: string, help: string, pick: (s: NodeStats) => number): void => {
      const read = (): NodeStats => this.stats();
      new Gauge({
        name: `centrifugo_node_${name}`,
        help,
        registers: [registry],
        collect() {
          this.set(pick(read()));
        },
      });
    };
    gauge('num_clients', 'Number of clients connected.', (s) => s.clients);
    gauge('num_users', 'Number of unique users connected.', (s) => s.users);
    gauge('num_subscriptions', 'Number of subscriptions.', (s) => s.subscriptions);
    gauge('num_channels', 'Number of channels with one or more subscribers.', (s) => s.channels);
    gauge('num_nodes', 'Number of nodes in the cluster.', (s) => s.nodes);
    new Gauge({ name: 'centrifugo_node_build', help: 'Node build info.', labelNames: ['version'], registers: [registry] }).set({ version }, 1);
    this.counter(registry, 'messages_sent_count', 'Number of messages sent by node to broker.', this.sent);
    this.counter(registry, 'messages_received_count', 'Number of messages received from broker.', this.received);
    this.broadcast = new Histogram({
      name: 'centrifugo_node_broadcast_duration_seconds',
      help: 'Broadcast duration in seconds',
      labelNames: ['type', 'channel_namespace'],
      buckets: BROADCAST_BUCKETS,
      registers: [registry],
    });
  }

  private counter(registry: Registry, name: string, help: string, counts: Accumulated): void {
    const labelsOf = (i: number) => ({ type: MESSAGE_TYPES[i]!, channel_namespace: '' });
    const c = new Counter({
      name: `centrifugo_node_${name}`,
      help,
      labelNames: ['type', 'channel_namespace'],
      registers: [registry],
      collect() {
        counts.flushInto(c, labelsOf);
      },
    });
    // Every type shows from the start, as the centrifuge library registers them.
    for (let i = 0; i < MESSAGE_TYPES.length; i++) c.inc(labelsOf(i), 0);
  }

  /** Where the gauges read the node's size from. */
  watch(stats: () => NodeStats): void {
    this.stats = stats;
  }

  messageSent(type: MessageType): void {
    this.sent.values[type]!++;
  }

  messageReceived(type: MessageType): void {
    this.received.values[type]!++;
  }

  /** One publication's delivery to this node's subscribers, from the engine's hand-over. */
  observeBroadcast(seconds: number): void {
    if (this.on) this.broadcast.observe({ type: 'publication', channel_namespace: '' }, seconds);
  }
}
