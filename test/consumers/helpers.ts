import type { Counter } from 'prom-client';
import { consumerSchema } from '../../src/config/consumers-schema.js';
import type { ConsumerConfig } from '../../src/config/index.js';
import type { Parsec } from '../../src/app.js';
import { connToken } from '../helpers/tokens.js';
import { sdk, type Sdk } from '../helpers/sdk.js';

/** A `consumers[]` entry as a file would give it (snake_case), with every default filled in. */
export function consumer(raw: Record<string, unknown>): ConsumerConfig {
  return consumerSchema.parse({ enabled: true, ...raw });
}

/** What a subscriber got: publication data by channel, in arrival order. */
export interface Received {
  client: Sdk;
  byChannel: Map<string, unknown[]>;
  total(): number;
}

/** A JSON SDK client subscribed to `channels`, recording every publication. */
export async function subscriber(url: string, channels: readonly string[]): Promise<Received> {
  const client = sdk('json', url, { token: await connToken('watcher') });
  const byChannel = new Map<string, unknown[]>(channels.map((c) => [c, []]));
  const subscribed = channels.map((channel) => {
    const sub = client.newSubscription(channel);
    sub.on('publication', (ctx) => byChannel.get(channel)!.push(ctx.data));
    sub.subscribe();
    return new Promise<void>((resolve) => sub.once('subscribed', () => resolve()));
  });
  client.connect();
  await Promise.all(subscribed);
  return { client, byChannel, total: () => [...byChannel.values()].reduce((n, l) => n + l.length, 0) };
}

/** A consumer counter's value on one server (`prometheus.enabled` must be on). */
export async function consumerCount(app: Parsec, metric: 'centrifugo_consumers_messages_processed_total' | 'parsec_consumers_messages_total', labels: Record<string, string>): Promise<number> {
  const counter = app.metrics.registry.getSingleMetric(metric) as Counter | undefined;
  if (!counter) return 0;
  const { values } = await counter.get();
  return values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want)).reduce((n, v) => n + v.value, 0);
}
