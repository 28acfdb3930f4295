import { DisconnectCode, DisconnectError } from '../../protocol/index.js';
import type { BlockNotice } from '../../moderation/index.js';
import type { Client } from '../session/client.js';
import type { Node } from '../node.js';

/**
 * Centrifugo PRO documents no disconnect code of its own for a blocked user, so a blocked
 * session ends with 3503 "force no reconnect" (SDKs do not reconnect) and this reason.
 */
export const USER_BLOCKED_REASON = 'user blocked';

/** Refuses a connect of a blocked user, right after the token (or the connect proxy) named them. */
export function refuseBlocked(client: Client, user: string): void {
  if (!client.node.deps.blocking?.isBlocked(user)) return;
  client.log.info({ user }, 'blocked user refused');
  throw new DisconnectError(DisconnectCode.forceNoReconnect, USER_BLOCKED_REASON);
}

/**
 * Applies a block notice on this node: the block set follows it, and a block ends every
 * session of the user here. Returns how many sessions it ended.
 */
export async function applyBlockNotice(node: Node, notice: BlockNotice, fromOtherNode: boolean): Promise<number> {
  await node.deps.blocking?.apply(notice, fromOtherNode);
  if (notice.kind !== 'block') return 0;
  const hit = [...node.hub.userClients(notice.block.user)];
  for (const c of hit) c.disconnect(DisconnectCode.forceNoReconnect, USER_BLOCKED_REASON);
  node.metrics.moderation.blockDisconnected(hit.length);
  return hit.length;
}

/**
 * Reloads the block set from a shared store and ends the sessions of users blocked
 * meanwhile: run when the engine's delivery resumes, since notices sent during the
 * interruption were lost (PUB/SUB is at most once). Returns how many sessions it ended.
 */
export async function sweepBlocked(node: Node): Promise<number> {
  const blocking = node.deps.blocking;
  if (!blocking?.store.shared) return 0;
  await blocking.reload();
  let ended = 0;
  for (const c of [...node.hub.allClients()]) {
    if (!blocking.isBlocked(c.user)) continue;
    c.disconnect(DisconnectCode.forceNoReconnect, USER_BLOCKED_REASON);
    ended++;
  }
  node.metrics.moderation.blockDisconnected(ended);
  return ended;
}
