import type { ChannelOverride } from '../../auth/index.js';
import { compileFilter, matches, type FilterNode } from '../../filter/index.js';
import type { StreamPosition } from '../../protocol/index.js';
import type { Client } from '../session/client.js';
import type { Node } from '../node.js';
import { serverRefresh, serverSubscribe, serverUnsubscribe } from './server-ops.js';
import { serverSideRefusal } from '../channels/map-channel.js';

/**
 * Which sessions an operation acts on. A non-empty `user` selects that user's sessions;
 * an empty one the anonymous sessions, or every session when `allUsers` is set.
 * `client`, `session` and `labelFilter` narrow that set; a session must meet all of them.
 */
export interface Target {
  user: string;
  client: string;
  session: string;
  allUsers?: boolean;
  /** Validated by the caller; each node compiles it again on arrival. */
  labelFilter?: FilterNode;
}
/**
 * A user-targeted operation, as it travels to every node over the control plane and
 * is applied by each to its own sessions. Payloads are base64 so the message is JSON.
 */
export type FleetOp =
  | {
      kind: 'subscribe';
      target: Target;
      channel: string;
      info?: string;
      data?: string;
      expireAt: number;
      recoverSince?: StreamPosition;
      override?: ChannelOverride;
    }
  | { kind: 'unsubscribe'; target: Target; channel: string }
  | { kind: 'disconnect'; target: Target; code: number; reason: string; whitelist: string[] }
  | { kind: 'refresh'; target: Target; expired: boolean; expireAt?: number; info?: string };

const bytes = (b64: string | undefined): Uint8Array | undefined => (b64 === undefined ? undefined : Buffer.from(b64, 'base64'));

/** The sessions on this node an operation targets. */
export function targetClients(node: Node, t: Target): Client[] {
  const { hub } = node;
  const filter = t.labelFilter ? compileFilter(t.labelFilter) : undefined;
  const anyUser = t.user === '' && t.allUsers === true;
  // What of the filter the candidates must still satisfy: all of it, unless the label index proved part.
  let rest = filter;
  let candidates: Iterable<Client>;
  if (t.client) {
    const c = hub.client(t.client);
    candidates = c && (anyUser || c.user === t.user) ? [c] : [];
  } else if (!anyUser) {
    candidates = hub.userClients(t.user);
  } else {
    // Fleet-wide: the label index narrows to candidates when the filter's shape allows.
    ({ clients: candidates, rest } = hub.labelSelection(filter));
  }
  const out: Client[] = [];
  for (const c of candidates) {
    if (t.session && c.session !== t.session) continue;
    if (rest && !matches(rest, c.labels)) continue;
    out.push(c);
  }
  return out;
}

/** Applies an operation to this node's sessions; returns how many it touched. */
export async function applyFleetOp(node: Node, op: FleetOp): Promise<number> {
  const targets = targetClients(node, op.target);
  switch (op.kind) {
    case 'subscribe': {
      const ch = node.rules.resolve(op.channel);
      // The API refused it where it was asked; a node never makes one of a kind only clients subscribe to.
      if (serverSideRefusal(ch)) return 0;
      const opts = { info: bytes(op.info), data: bytes(op.data), expireAt: op.expireAt, recoverSince: op.recoverSince, override: op.override };
      await Promise.all(targets.map((c) => serverSubscribe(c, ch, opts)));
      return targets.length;
    }
    case 'unsubscribe':
      await Promise.all(targets.map((c) => serverUnsubscribe(c, op.channel)));
      return targets.length;
    case 'disconnect': {
      const spared = new Set(op.whitelist);
      const hit = targets.filter((c) => !spared.has(c.id));
      for (const c of hit) c.disconnect(op.code, op.reason);
      return hit.length;
    }
    case 'refresh':
      for (const c of targets) serverRefresh(c, { expired: op.expired, expireAt: op.expireAt, info: bytes(op.info) });
      return targets.length;
  }
}
