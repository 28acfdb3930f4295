import type { RpcOptions } from '../../config/types.js';
import { ClientError, DisconnectCode, DisconnectError, ErrorCode, type RpcRequest, type SendRequest } from '../../protocol/index.js';
import type { Client } from './client.js';
import type { HandlerOutcome } from './dispatch.js';
import { callerOf } from './proxy-caller.js';

/**
 * The RPC options of a method: `ns:name` belongs to RPC namespace `ns` (104 when there is
 * none), anything else to `rpc.without_namespace`.
 */
function rpcOptions(client: Client, method: string): RpcOptions {
  const { rpc } = client.node.config;
  const at = method.indexOf(rpc.namespaceBoundary);
  if (at < 0) return rpc.withoutNamespace;
  const name = method.slice(0, at);
  const ns = rpc.namespaces.find((n) => n.name === name);
  if (!ns) throw new ClientError(ErrorCode.methodNotFound);
  return ns;
}

/** The ping method's answer: an empty result (dispatch copies the reply to add the id). */
const PONG: HandlerOutcome = { reply: { rpc: {} } };

/**
 * `rpc` is answered by the backend the method's RPC options name, or at once for the ping
 * method (`rpc.ping`). A method whose options do not enable a proxy gets 108, as Centrifugo
 * answers when no handler is set (104 with the ping method on, as Centrifugo's handler does).
 */
export async function handleRpc(client: Client, req: RpcRequest): Promise<HandlerOutcome> {
  const method = req.method ?? '';
  const ping = client.node.config.rpc.ping;
  // Before any proxy, as in Centrifugo: the ping method never reaches a backend.
  if (ping.enabled && method === ping.method) return PONG;
  const opts = rpcOptions(client, method);
  const proxy = opts.proxyEnabled ? client.node.deps.proxies.rpc(opts.proxyName) : undefined;
  // With the ping method on, RPC is served and any other method without a proxy is unknown (104).
  if (!proxy) throw new ClientError(ping.enabled ? ErrorCode.methodNotFound : ErrorCode.notAvailable);
  const { data } = await proxy.rpc(callerOf(client), { method, data: req.data });
  return { reply: { rpc: { data } } };
}

export async function handleSend(client: Client, _req: SendRequest): Promise<void> {
  client.log.info({ user: client.user }, 'async message without a message handler');
  throw new DisconnectError(DisconnectCode.notAvailable);
}
