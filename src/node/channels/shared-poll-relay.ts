/**
 * The broker channel `shared_poll_publish` goes through for a shared-poll channel with
 * `publish_enabled`: length-prefixed as Centrifugo frames its per-key channels, so it
 * lands in a digits-only namespace no client channel uses. It is subscribed at the broker
 * only, never in the hub, so channel listings do not show it.
 */
export function relayChannelOf(channel: string): string {
  return `${channel.length}:${channel}`;
}

/** What travels through the broker: the item's data, with key, version and epoch as tags. */
export function relayTags(key: string, version: number, epoch: string): Record<string, string> {
  return { key, version: String(version), epoch };
}

/** An item a relay publication carries, or undefined when it is not one. */
export function relayedItem(tags: Record<string, string> | undefined): { key: string; version: number; epoch: string } | undefined {
  const version = Number(tags?.version ?? 0);
  if (!tags?.key || !(version > 0)) return undefined;
  return { key: tags.key, version, epoch: tags.epoch ?? '' };
}
