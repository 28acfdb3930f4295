import type { MapSubscription } from 'centrifuge';
import { decoded, once, type Sdk, type SdkProtocol } from './sdk.js';

/** A state entry as the SDK's `sync` hands it. */
export interface MapEntry {
  key: string;
  data: unknown;
}

/** A change as the SDK's `update` hands it. */
export interface MapUpdate extends MapEntry {
  removed?: boolean;
}

export type MapSubscriptionOptions = Parameters<Sdk['newMapSubscription']>[1];

/** Subscribes a MapSubscription and waits for its first `sync`: the state as key → decoded value. */
export async function subscribeMap(
  protocol: SdkProtocol,
  c: Sdk,
  channel: string,
  opts: MapSubscriptionOptions = {},
): Promise<{ sub: MapSubscription; state: Record<string, unknown> }> {
  const sub = c.newMapSubscription(channel, opts);
  const synced = once<{ entries: MapEntry[] }>(sub, 'sync', 5000);
  sub.subscribe();
  const { entries } = await synced;
  return { sub, state: Object.fromEntries(entries.map((e) => [e.key, decoded(protocol, e.data)])) };
}
