import { ClientError, DisconnectCode, DisconnectError, ErrorCode, type RpcRequest, type SendRequest } from '../protocol/index.js';
import type { Client } from './client.js';
import type { HandlerOutcome } from './dispatch.js';

/**
 * Commands that only an application backend can answer. Without an RPC or message
 * handler configured, Parsec answers as Centrifugo's library does when no handler is set.
 */
export async function handleRpc(_client: Client, _req: RpcRequest): Promise<HandlerOutcome> {
  throw new ClientError(ErrorCode.notAvailable);
}

export async function handleSend(client: Client, _req: SendRequest): Promise<void> {
  client.log.info({ user: client.user }, 'async message without a message handler');
  throw new DisconnectError(DisconnectCode.notAvailable);
}
