import { ClientError, DisconnectCode, DisconnectError, ErrorCode, PublishKind, SubRefreshKind, type Command, type CommandMethod } from '../../protocol/index.js';
import type { LimitedCommand, RateLimits } from '../../moderation/index.js';
import type { Client } from './client.js';

/**
 * Each limited command by its name in the rate-limit config (`send` and `ping` are not
 * limited). A Map: an object indexed by the method name is a megamorphic load per command.
 */
const LIMITED: ReadonlyMap<CommandMethod, LimitedCommand> = new Map<CommandMethod, LimitedCommand>([
  ['subscribe', 'subscribe'],
  ['unsubscribe', 'unsubscribe'],
  ['publish', 'publish'],
  ['history', 'history'],
  ['presence', 'presence'],
  ['presenceStats', 'presence_stats'],
  ['refresh', 'refresh'],
  ['subRefresh', 'sub_refresh'],
  ['rpc', 'rpc'],
]);

/**
 * The limited command a client command is: a `publish` to a map channel is `map_publish` (or
 * `map_remove` with `removed`), a `sub_refresh` of shared poll's keys is `track` or `untrack`.
 */
function limitedOf(method: CommandMethod, cmd: Command): LimitedCommand | undefined {
  if (method === 'publish' && cmd.publish?.type === PublishKind.map) return cmd.publish.removed ? 'map_remove' : 'map_publish';
  if (method === 'subRefresh') {
    const type = cmd.subRefresh?.type;
    if (type === SubRefreshKind.track) return 'track';
    if (type === SubRefreshKind.untrack) return 'untrack';
  }
  return LIMITED.get(method);
}

const tooMany = (): ClientError => new ClientError(ErrorCode.tooManyRequests);

/**
 * What overrides are looked up by: an RPC's method, a channel command's namespace (resolved
 * only when some layer has namespace overrides), else nothing.
 */
function detailOf(client: Client, limits: RateLimits, method: CommandMethod, cmd: Command): string {
  if (method === 'rpc') return cmd.rpc?.method ?? '';
  if (!limits.namespacesUsed) return '';
  const req = cmd[method] as { channel?: unknown } | undefined;
  return typeof req?.channel === 'string' ? client.node.rules.namespaceOf(req.channel) : '';
}

/**
 * The rate limits of one command before it runs: the connection's buckets and the user's on
 * this node (in memory, no await), then the user's across the cluster (a round trip to Redis
 * when configured). Over a limit → 111,
 * which SDKs surface as a temporary error.
 */
export function checkCommandLimits(client: Client, method: CommandMethod, cmd: Command): Promise<void> | undefined {
  const limits = client.node.deps.rateLimits;
  if (!limits) return undefined;
  const command = limitedOf(method, cmd);
  if (!command) return undefined;
  const detail = detailOf(client, limits, method, cmd);
  const verdict = limits.checkConnection(client, command, detail);
  if (verdict === 'refuse') throw tooMany();
  // `disconnect_on_accounted_limit`: terminal, so the SDK does not come straight back.
  if (verdict === 'disconnect') throw new DisconnectError(DisconnectCode.forceNoReconnect, 'too many requests');
  // Only per-user buckets in Redis cost a round trip; every other command goes on without an await.
  return settle(limits.checkUser(client.user, command, detail, client));
}

/** Refuses with 111 when the per-user check said no: at once, or once Redis answered. */
function settle(allowed: boolean | Promise<boolean>): Promise<void> | undefined {
  if (allowed === true) return undefined;
  if (allowed === false) throw tooMany();
  return allowed.then((ok) => {
    if (!ok) throw tooMany();
  });
}

/** The per-user `connect` limit, checked once the connect named the user: a promise only while Redis answers. */
export function checkConnectLimit(client: Client, user: string): Promise<void> | undefined {
  const limits = client.node.deps.rateLimits;
  if (!limits) return undefined;
  return settle(limits.checkUser(user, 'connect', '', client));
}

/**
 * Counts a client error against the connection's error budget (`client_error`); past it
 * the connection ends with 3509, which SDKs do not reconnect after.
 */
export function countClientError(client: Client, code: number): void {
  const limits = client.node.deps.rateLimits;
  // Internal errors are not the client's fault (Centrifugo PRO does not count them either).
  if (!limits || code === ErrorCode.internal) return;
  if (limits.countError(client)) throw new DisconnectError(DisconnectCode.tooManyErrors, 'too many errors');
}
