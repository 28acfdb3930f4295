import { ClientError, ErrorCode, SubRefreshKind, type SubRefreshRequest } from '../../protocol/index.js';
import { SharedPollSubscription } from '../channels/shared-poll-subscription.js';
import { expiry } from '../channels/subscribe-core.js';
import type { TrackCommit } from '../shared-poll/tracked-keys.js';
import type { Client } from './client.js';
import type { HandlerOutcome } from './dispatch.js';

/** sub_refresh of type track or untrack, on a shared-poll subscription of the client. */
export function handleKeyedRefresh(client: Client, req: SubRefreshRequest & { channel: string }): HandlerOutcome {
  const sub = client.subscriptions.get(req.channel);
  if (!(sub instanceof SharedPollSubscription) || !sub.active) throw new ClientError(ErrorCode.permissionDenied);
  return req.type === SubRefreshKind.track ? track(client, sub, req) : untrack(sub, req);
}

/**
 * Starts tracking the keys of every signed batch (the SDK packs all it holds into one
 * request when it replays after a reconnect); a key in several batches takes the last
 * one's version and expiry. Keys in `untrack` were dropped by the client since signing:
 * they are verified with their batch, then untracked at once.
 */
function track(client: Client, sub: SharedPollSubscription, req: SubRefreshRequest & { channel: string }): HandlerOutcome {
  const batches = req.track ?? [];
  const items = new Map<string, { version: number; batch: number }>();
  batches.forEach((b, batch) => {
    for (const it of b.items ?? []) items.set(it.key ?? '', { version: it.version ?? 0, batch });
  });
  if (items.size === 0) throw new ClientError(ErrorCode.badRequest);
  const untrack = new Set(req.untrack ?? []);
  if (sub.keys.countAfter(items.keys(), untrack) > sub.opts.poll.maxKeysPerConnection) throw new ClientError(ErrorCode.limitExceeded);
  const { node } = client;
  // Every batch must verify, or nothing is tracked.
  const expireAts = batches.map((b) =>
    node.trackSignatures.verify(
      b.signature ?? '',
      client.user,
      req.channel,
      (b.items ?? []).map((i) => i.key ?? ''),
    ),
  );
  const commits: TrackCommit[] = [...items].map(([key, it]) => ({ key, version: it.version, expireAt: expireAts[it.batch]! }));
  sub.commit(commits);
  // The SDK refreshes every signature at the earliest expiry it is told.
  const earliest = expireAts.reduce((min, e) => (e > 0 && (min === 0 || e < min) ? e : min), 0);
  return {
    reply: { subRefresh: expiry(earliest, node.clock.now()) },
    after: () => {
      sub.startTracking(commits.map((c) => ({ key: c.key, version: c.version })));
      if (untrack.size > 0) sub.untrack(untrack);
    },
  };
}

function untrack(sub: SharedPollSubscription, req: SubRefreshRequest): HandlerOutcome {
  const keys = req.untrack ?? [];
  if (keys.length === 0) throw new ClientError(ErrorCode.badRequest);
  sub.untrack(keys);
  return { reply: { subRefresh: {} } };
}
