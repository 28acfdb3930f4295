import type { FilterNode } from '../../filter/index.js';
import { MAX_SNAPSHOT_ENTRIES, mergePages, type ConnectionEntry, type ConnectionsQuery } from '../../node/index.js';
import type { ApiContext } from '../context.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import { checkedFilter } from '../label-filter.js';
import type { ConnectionsRequest, ConnectionsSnapshotRequest } from '../schemas.js';

/** Centrifugo's ConnectionInfo shape, keyed by client id, with Parsec's additions. */
interface ConnectionInfo {
  app_name: string;
  app_version: string;
  transport: string;
  protocol: string;
  user: string;
  state: { channels: Record<string, Record<string, never>> };
  connected_at_ms: number;
  labels?: Record<string, string>;
  remote_addr: string;
  node: string;
  node_uid: string;
}

interface ConnectionsResult {
  connections: Record<string, ConnectionInfo>;
  /** Pass as `cursor` for the next page; absent on the last one. */
  next_cursor?: string;
  /** Snapshot pages only: how many connections the snapshot holds. */
  total?: number;
  nodes_missing?: string[];
}

function infoOf(e: ConnectionEntry): ConnectionInfo {
  return {
    app_name: e.app_name,
    app_version: e.app_version,
    transport: e.transport,
    protocol: e.protocol,
    user: e.user,
    state: { channels: Object.fromEntries(e.channels.map((ch) => [ch, {}])) },
    connected_at_ms: e.connected_at_ms,
    labels: e.labels,
    remote_addr: e.remote_addr,
    node: e.node,
    node_uid: e.node_uid,
  };
}

function resultOf(entries: ConnectionEntry[], more: boolean, extra: Partial<ConnectionsResult>): ConnectionsResult {
  const out: ConnectionsResult = { connections: Object.fromEntries(entries.map((e) => [e.client, infoOf(e)])), ...extra };
  if (more && entries.length > 0) out.next_cursor = entries[entries.length - 1]!.client;
  return out;
}

/** `label_filter`, or `expression` when it holds a FilterNode; Centrifugo's CEL strings are not supported. */
function selector(req: ConnectionsRequest): FilterNode | undefined {
  if (typeof req.expression === 'string' && req.expression !== '') {
    throw new ApiError(ApiErrorCode.badRequest, 'bad request: expression: CEL expressions are not supported; pass a FilterNode in label_filter');
  }
  if (req.label_filter && typeof req.expression === 'object') {
    throw new ApiError(ApiErrorCode.badRequest, 'bad request: give label_filter or expression, not both');
  }
  const filter = req.label_filter ?? (typeof req.expression === 'object' ? req.expression : undefined);
  return checkedFilter(req.label_filter ? 'label_filter' : 'expression', filter);
}

/** Asks every node for its matching connections and merges them into one page. */
async function gather(ctx: ApiContext, query: ConnectionsQuery): Promise<{ entries: ConnectionEntry[]; more: boolean; missing: string[] }> {
  const { answers, missing } = await ctx.node.control.survey({ kind: 'connections', query });
  const page = mergePages(
    answers.flatMap((a) => (a.kind === 'connections' ? [a.page] : [])),
    query.limit,
  );
  return { ...page, missing };
}

const missingOf = (missing: string[]): Partial<ConnectionsResult> => (missing.length > 0 ? { nodes_missing: missing } : {});

/**
 * Lists connections across the cluster, in client id order, a page at a time: live
 * (each page gathered anew after `cursor`) or from a snapshot taken earlier.
 */
export async function connections(ctx: ApiContext, req: ConnectionsRequest): Promise<ConnectionsResult> {
  if (req.snapshot) {
    const page = ctx.node.snapshots.page(req.snapshot, req.cursor, req.limit);
    if (!page) throw new ApiError(ApiErrorCode.badRequest, `bad request: snapshot: unknown or expired snapshot ${JSON.stringify(req.snapshot)} (snapshots live on the node that took them, for 5 minutes)`);
    return resultOf(page.entries, page.more, { total: page.total });
  }
  const { entries, more, missing } = await gather(ctx, { user: req.user, labelFilter: selector(req), after: req.cursor, limit: req.limit });
  return resultOf(entries, more, missingOf(missing));
}

/** Gathers the matching connections now and keeps them on this node for paging with `connections`. */
export async function connectionsSnapshot(ctx: ApiContext, req: ConnectionsSnapshotRequest): Promise<{ snapshot: string; total: number; truncated: boolean; expires_at_ms: number; nodes_missing?: string[] }> {
  const labelFilter = checkedFilter('label_filter', req.label_filter);
  const { entries, more, missing } = await gather(ctx, { user: req.user, labelFilter, after: '', limit: MAX_SNAPSHOT_ENTRIES });
  const { id, expiresAt } = ctx.node.snapshots.add(entries);
  return { snapshot: id, total: entries.length, truncated: more, expires_at_ms: expiresAt, ...missingOf(missing) };
}
