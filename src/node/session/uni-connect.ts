import { ClientError, DisconnectCode, DisconnectError, ErrorCode, type ConnectRequest } from '../../protocol/index.js';
import { asClientError } from '../engine-errors.js';
import type { Client } from './client.js';
import { handleConnect } from './connect-handler.js';

/**
 * Connect errors a unidirectional client cannot be answered with (it reads no replies) become
 * disconnects: these by default, as in Centrifugo, and every other error 3004.
 * `client.connect_code_to_unidirectional_disconnect` adds to and overrides this table.
 */
const DEFAULT_DISCONNECTS: ReadonlyMap<number, number> = new Map([
  [ErrorCode.expired, DisconnectCode.expired],
  [ErrorCode.tokenExpired, DisconnectCode.expired],
  [ErrorCode.tooManyRequests, DisconnectCode.tooManyRequests],
  [ErrorCode.permissionDenied, DisconnectCode.permissionDenied],
]);

/** The disconnect a refused unidirectional connect ends with. */
function disconnectFor(client: Client, err: unknown): DisconnectError {
  if (err instanceof DisconnectError) return err;
  if (!(err instanceof ClientError)) return new DisconnectError(DisconnectCode.serverError);
  const configured = client.node.config.client.connectCodeToUnidirectionalDisconnect;
  if (configured.enabled) {
    const t = configured.transforms.find((x) => x.code === err.code);
    if (t) return new DisconnectError(t.to.code, t.to.reason);
  }
  return new DisconnectError(DEFAULT_DISCONNECTS.get(err.code) ?? DisconnectCode.serverError);
}

/**
 * Runs the connect request a unidirectional transport read (URL parameter, body, first
 * message or gRPC request): on success the connect result goes out as a `connect` push and
 * server-side subscriptions start delivering. A refusal is returned (a ClientError or a
 * DisconnectError) and the session is already closed: with `errorToDisconnect` through the
 * disconnect it maps to (push and close), otherwise silently, for a transport that answers
 * with an HTTP status instead (`connect_code_to_http_response`).
 */
export async function connectUnidirectional(client: Client, req: ConnectRequest, errorToDisconnect: boolean): Promise<Error | undefined> {
  let failure: Error;
  try {
    const outcome = await handleConnect(client, req);
    client.sendReply(outcome.reply);
    if (client.state === 'closed') return undefined;
    outcome.after?.();
    return undefined;
  } catch (caught) {
    const err = asClientError(caught);
    if (!(err instanceof ClientError) && !(err instanceof DisconnectError)) client.log.error({ err }, 'connect failed');
    failure = err instanceof Error ? err : new Error(String(err));
  }
  if (errorToDisconnect) {
    const d = disconnectFor(client, failure);
    client.disconnect(d.code, d.reason);
  } else {
    client.handleTransportClose();
  }
  return failure;
}
