import type { Labels } from '../../auth/index.js';
import { compileFilter, matches, type FilterNode } from '../../filter/index.js';
import type { Client } from '../session/client.js';
import type { Node } from '../node.js';
import { listsChannels } from '../transport.js';

/** Which connections a listing wants: `user` ('' = everyone) and labels, after a client id, at most `limit`. */
export interface ConnectionsQuery {
  user: string;
  labelFilter?: FilterNode;
  /** Only clients whose id sorts after this one (the cursor); '' = from the start. */
  after: string;
  limit: number;
}

/** One connection as the connections API shows it (Centrifugo's ConnectionInfo, plus where it is). */
export interface ConnectionEntry {
  client: string;
  user: string;
  labels?: Labels;
  channels: string[];
  transport: string;
  protocol: string;
  app_name: string;
  app_version: string;
  connected_at_ms: number;
  remote_addr: string;
  /** The node's name as `info` reports it (`node.name`, else the host name). */
  node: string;
  /** The node's id (`uid` in `info`): new at every start, it tells apart nodes of one name. */
  node_uid: string;
}

/** A node's share of a listing, sorted by client id; `more` when it held more than `limit`. */
export interface ConnectionsPage {
  entries: ConnectionEntry[];
  more: boolean;
}

function entryOf(node: Node, c: Client): ConnectionEntry {
  return {
    client: c.id,
    user: c.user,
    labels: c.labels,
    channels: listsChannels(c.transport) ? [...c.subscriptions.keys(), ...c.transport.listedChannels()] : [...c.subscriptions.keys()],
    transport: c.transport.name,
    protocol: c.transport.protocol,
    app_name: c.app.name,
    app_version: c.app.version,
    connected_at_ms: c.connectedAt,
    remote_addr: c.transport.remoteAddr,
    node: node.deps.name,
    node_uid: node.id,
  };
}

/** This node's connections matching a query, in client id order. */
export function connectionsPage(node: Node, q: ConnectionsQuery): ConnectionsPage {
  const { hub } = node;
  const filter = q.labelFilter ? compileFilter(q.labelFilter) : undefined;
  const { clients, rest } = q.user ? { clients: hub.userClients(q.user), rest: filter } : hub.labelSelection(filter);
  const picked: Client[] = [];
  for (const c of clients) {
    if (c.id <= q.after) continue;
    if (rest && !matches(rest, c.labels)) continue;
    picked.push(c);
  }
  picked.sort((a, b) => (a.id < b.id ? -1 : 1));
  return { entries: picked.slice(0, q.limit).map((c) => entryOf(node, c)), more: picked.length > q.limit };
}

/** Merges the nodes' pages into one page of at most `limit`, in client id order. */
export function mergePages(pages: ConnectionsPage[], limit: number): ConnectionsPage {
  const all = pages.flatMap((p) => p.entries).sort((a, b) => (a.client < b.client ? -1 : 1));
  return { entries: all.slice(0, limit), more: all.length > limit || pages.some((p) => p.more) };
}
