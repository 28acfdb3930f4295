import { DisconnectCode } from '../../protocol/index.js';
import type { Client } from './client.js';

/**
 * `client.subscribe_to_user_personal_channel.single_connection`: a user's new connection
 * ends the ones they already have, on every node, as Centrifugo does: presence of the
 * personal channel says whether there are any (config rules require presence there), and
 * the others are disconnected with 3504 "connection limit" without waiting for every node
 * to confirm. Undefined when off or the connection is anonymous (nothing to wait for).
 */
export function singleConnection(client: Client, user: string): Promise<void> | undefined {
  const { node } = client;
  const personal = node.config.client.subscribeToUserPersonalChannel;
  if (!personal.enabled || !personal.singleConnection || user === '') return undefined;
  return replaceOthers(client, user, node.rules.personalChannel(personal.personalChannelNamespace, user));
}

async function replaceOthers(client: Client, user: string, channel: string): Promise<void> {
  const { node } = client;
  const stats = await node.presence.presenceStats(channel);
  if (stats.numClients < 1) return;
  // Not awaited: the connect goes on while the other nodes end their sessions of the user.
  const target = { user, client: '', session: '' };
  node.control.runOp({ kind: 'disconnect', target, code: DisconnectCode.connectionLimit, reason: 'connection limit', whitelist: [client.id] }).catch((err: unknown) => {
    client.log.warn({ user, err: (err as Error).message }, 'single connection: ending the previous connections failed');
  });
}
