import type mqtt from 'mqtt-packet';
import { topicNameProblem } from '../../lib/index.js';
import { TOKEN_REVOKED_REASON, handleConnect, type Client } from '../../node/index.js';
import { ClientError, DisconnectCode, DisconnectError, ErrorCode } from '../../protocol/index.js';
import { Refusals, type Refusal } from './codes.js';
import type { MqttContext } from './context.js';
import type { DeliveryQos } from './channel-listener.js';

/** The message published for a client whose connection ends without a clean DISCONNECT. */
export interface Will {
  topic: string;
  payload: Uint8Array;
  qos: DeliveryQos;
  retain: boolean;
  /** MQTT 5 Will Delay Interval, seconds: the will waits this long for the client to come back. */
  delay: number;
  /** MQTT 5 Message Expiry Interval of the will, seconds; undefined = none. */
  expiry?: number;
}

/** A CONNECT the node accepted. */
export interface Accepted {
  will: Will | undefined;
  cleanStart: boolean;
  /** Seconds the session outlives the connection. */
  sessionExpiry: number;
  /** Starts the Client's expiry timer; run once the CONNACK is sent. */
  after: () => void;
}

export type ConnectOutcome = Accepted | { refusal: Refusal; detail: string };

const refused = (refusal: Refusal, detail: string): ConnectOutcome => ({ refusal, detail });

/**
 * Authenticates a CONNECT as a node Client: the password is a connection token, verified
 * (keys, `exp`, revocation) exactly as a WebSocket client's. The token's subject is the
 * client id: a CONNECT naming another is refused, an empty one is assigned it. The user
 * name is optional and, when given, must be the client id too.
 */
export async function authenticate(ctx: MqttContext, client: Client, p: mqtt.IConnectPacket): Promise<ConnectOutcome> {
  const v5 = p.protocolVersion === 5;
  if (v5 && p.properties?.authenticationMethod) return refused(Refusals.badAuthMethod, 'enhanced authentication is not supported');
  if (!p.password || p.password.length === 0) return refused(Refusals.badCredentials, 'no password: send the token as the password');
  if (!v5 && p.clientId === '' && !p.clean) return refused(Refusals.clientIdNotValid, 'an empty client id needs clean session');
  let after: (() => void) | undefined;
  try {
    const outcome = await handleConnect(client, { token: p.password.toString('utf8'), name: 'mqtt', version: v5 ? '5' : '3.1.1' });
    after = outcome.after;
  } catch (err) {
    const [refusal, detail] = refusalFor(err);
    return refused(refusal, detail);
  }
  const user = client.user;
  if (user === '') return refused(Refusals.badCredentials, 'the token has no subject');
  if (p.clientId !== '' && p.clientId !== user) return refused(Refusals.clientIdNotValid, 'the client id is not the token subject');
  if (p.username !== undefined && p.username !== '' && p.username !== user) return refused(Refusals.badCredentials, 'the user name is not the client id');
  let will: Will | undefined;
  if (p.will) {
    const problem = topicNameProblem(p.will.topic);
    if (problem) return refused(v5 ? { v4: 2, v5: 0x90, reason: 'topic name invalid' } : Refusals.clientIdNotValid, `will topic: ${problem}`);
    const payload = typeof p.will.payload === 'string' ? Buffer.from(p.will.payload) : p.will.payload;
    const props = v5 ? p.will.properties : undefined;
    will = { topic: p.will.topic, payload, qos: p.will.qos ? 1 : 0, retain: p.will.retain ?? false, delay: props?.willDelayInterval ?? 0, expiry: props?.messageExpiryInterval };
  }
  const maxExpiry = Math.floor(ctx.config.maxSessionExpiry / 1000);
  // 3.1.1: a persistent session has no expiry of its own, so it gets the configured bound.
  const requested = v5 ? (p.properties?.sessionExpiryInterval ?? 0) : p.clean ? 0 : maxExpiry;
  return { will, cleanStart: p.clean ?? true, sessionExpiry: Math.min(requested, maxExpiry), after: after ?? (() => undefined) };
}

/** How a refused connect reads in CONNACK, and why for the log. */
function refusalFor(err: unknown): [Refusal, string] {
  if (err instanceof DisconnectError) {
    switch (err.code) {
      case DisconnectCode.invalidToken:
        return err.reason === TOKEN_REVOKED_REASON ? [Refusals.notAuthorized, 'token revoked'] : [Refusals.badCredentials, 'invalid token'];
      case DisconnectCode.connectionLimit:
        return [Refusals.quotaExceeded, 'connection limit reached'];
      case DisconnectCode.permissionDenied:
        return [Refusals.notAuthorized, 'permission denied'];
      case DisconnectCode.channelLimit:
        return [Refusals.quotaExceeded, 'channel limit reached'];
      default:
        return [Refusals.badCredentials, err.reason];
    }
  }
  if (err instanceof ClientError) {
    if (err.code === ErrorCode.tokenExpired || err.code === ErrorCode.expired) return [Refusals.badCredentials, 'token expired'];
    if (err.code === ErrorCode.internal) return [Refusals.unavailable, 'server unavailable'];
    return [Refusals.notAuthorized, err.message];
  }
  return [Refusals.unavailable, 'server unavailable'];
}
