import { Counter, Gauge, Histogram, Summary, type Registry } from 'prom-client';
import { COMMAND_BUCKETS, SUMMARY } from './buckets.js';
import { FRAME_TYPES } from './frame-types.js';

/**
 * The `client_name` label: the centrifuge library keeps its cardinality bounded by using a
 * reported name only when registered, and Centrifugo registers none.
 */
export function clientNameLabel(name: string): string {
  return name ? 'unregistered' : 'unnamed';
}

export function clientVersionLabel(version: string): string {
  return version ? 'unregistered' : 'unversioned';
}

type ConnectionLabel = 'transport' | 'accept_protocol' | 'client_name' | 'client_version';

/**
 * `centrifugo_client_*`: command durations, error replies, server disconnects, accepted and
 * in-flight connections and subscriptions, recoveries. Labels take only values from fixed
 * sets (commands, codes the server chooses, transports), never a user or a channel.
 */
export class ClientMetrics {
  private readonly durationSummary: Summary<'method' | 'channel_namespace'>;
  private readonly durationHistogram: Histogram<'method' | 'channel_namespace'>;
  private readonly replyErrors: Counter<'method' | 'code' | 'channel_namespace'>;
  private readonly disconnects: Counter<'code'>;
  private readonly accepted: Counter<ConnectionLabel>;
  private readonly inflight: Gauge<ConnectionLabel>;
  private readonly subscriptions: Counter<'client_name' | 'channel_namespace'>;
  private readonly recovers: Counter<'recovered' | 'channel_namespace' | 'has_recovered_publications'>;
  private readonly recoveredPublications: Histogram<'channel_namespace'> | undefined;

  constructor(registry: Registry, private readonly on: boolean, recoveredHistogram: boolean) {
    const registers = [registry];
    this.durationSummary = new Summary({
      name: 'centrifugo_client_command_duration_seconds',
      help: 'Client command duration summary.',
      labelNames: ['method', 'channel_namespace'],
      ...SUMMARY,
      percentiles: [...SUMMARY.percentiles],
      registers,
    });
    this.durationHistogram = new Histogram({
      name: 'centrifugo_client_command_duration_seconds_histogram',
      help: 'Client command duration histogram.',
      labelNames: ['method', 'channel_namespace'],
      buckets: COMMAND_BUCKETS,
      registers,
    });
    this.replyErrors = new Counter({ name: 'centrifugo_client_num_reply_errors', help: 'Number of errors in replies sent to clients.', labelNames: ['method', 'code', 'channel_namespace'], registers });
    this.disconnects = new Counter({ name: 'centrifugo_client_num_server_disconnects', help: 'Number of server initiated disconnects.', labelNames: ['code'], registers });
    const connectionLabels: ConnectionLabel[] = ['transport', 'accept_protocol', 'client_name', 'client_version'];
    this.accepted = new Counter({ name: 'centrifugo_client_connections_accepted', help: 'Count of accepted transports.', labelNames: connectionLabels, registers });
    this.inflight = new Gauge({ name: 'centrifugo_client_connections_inflight', help: 'Number of inflight client connections.', labelNames: connectionLabels, registers });
    this.subscriptions = new Counter({
      name: 'centrifugo_client_subscriptions_accepted',
      help: 'Count of accepted client subscriptions.',
      labelNames: ['client_name', 'channel_namespace'],
      registers,
    });
    this.recovers = new Counter({
      name: 'centrifugo_client_recover',
      help: 'Count of recover operations with success/fail resolution.',
      labelNames: ['recovered', 'channel_namespace', 'has_recovered_publications'],
      registers,
    });
    if (recoveredHistogram) {
      this.recoveredPublications = new Histogram({
        name: 'centrifugo_client_recovered_publications',
        help: 'Number of publications recovered during subscription recovery.',
        labelNames: ['channel_namespace'],
        buckets: [0, 1, 2, 3, 5, 10, 20, 50, 100, 250, 500, 1000, 2000, 5000, 10000],
        registers,
      });
    }
  }

  /** One command (`frameType`: its `FrameType`) from receipt to its reply or failure. */
  observeCommand(frameType: number, seconds: number): void {
    if (!this.on) return;
    const labels = { method: FRAME_TYPES[frameType]!, channel_namespace: '' };
    this.durationSummary.observe(labels, seconds);
    this.durationHistogram.observe(labels, seconds);
  }

  replyError(frameType: number, code: number): void {
    if (this.on) this.replyErrors.inc({ method: FRAME_TYPES[frameType]!, code: String(code), channel_namespace: '' });
  }

  serverDisconnect(code: number): void {
    if (this.on) this.disconnects.inc({ code: String(code) });
  }

  /** A session that completed connect; `closed` is called with the same arguments when it ends. */
  connectionAccepted(transport: string, appName: string, appVersion: string): void {
    if (!this.on) return;
    const labels = connectionLabels(transport, appName, appVersion);
    this.accepted.inc(labels);
    this.inflight.inc(labels);
  }

  connectionClosed(transport: string, appName: string, appVersion: string): void {
    if (this.on) this.inflight.dec(connectionLabels(transport, appName, appVersion));
  }

  subscriptionAccepted(appName: string): void {
    if (this.on) this.subscriptions.inc({ client_name: clientNameLabel(appName), channel_namespace: '' });
  }

  /** A subscribe that asked to recover: whether it did, and with how many publications. */
  recover(recovered: boolean, publications: number): void {
    if (!this.on) return;
    this.recovers.inc({ recovered: recovered ? 'yes' : 'no', channel_namespace: '', has_recovered_publications: publications > 0 ? 'yes' : 'no' });
    if (recovered) this.recoveredPublications?.observe({ channel_namespace: '' }, publications);
  }
}

function connectionLabels(transport: string, appName: string, appVersion: string): Record<ConnectionLabel, string> {
  return { transport, accept_protocol: '', client_name: clientNameLabel(appName), client_version: clientVersionLabel(appVersion) };
}
