import { DisconnectCode } from '../../protocol/index.js';

/** MQTT protocol levels Parsec speaks: 3.1.1 (4) and 5. */
export type MqttVersion = 4 | 5;

/** A CONNACK refusal as each version says it: 3.1.1 return code, MQTT 5 reason code. */
export interface Refusal {
  readonly v4: number;
  readonly v5: number;
  /** For the log. */
  readonly reason: string;
}

const refusal = (v4: number, v5: number, reason: string): Refusal => Object.freeze({ v4, v5, reason });

/** Why a CONNECT is refused (MQTT 3.1.1 §3.2.2.3, MQTT 5 §3.2.2.2). */
export const Refusals = {
  unsupportedVersion: refusal(1, 0x84, 'unsupported protocol version'),
  clientIdNotValid: refusal(2, 0x85, 'client identifier not valid'),
  unavailable: refusal(3, 0x88, 'server unavailable'),
  badCredentials: refusal(4, 0x86, 'bad user name or password'),
  notAuthorized: refusal(5, 0x87, 'not authorized'),
  banned: refusal(5, 0x8a, 'banned'),
  quotaExceeded: refusal(3, 0x97, 'quota exceeded'),
  badAuthMethod: refusal(4, 0x8c, 'bad authentication method'),
} as const;

/** MQTT 5 reason codes Parsec sends in DISCONNECT, SUBACK and PUBACK. */
export const Reason = {
  success: 0x00,
  noMatchingSubscribers: 0x10,
  unspecified: 0x80,
  malformedPacket: 0x81,
  protocolError: 0x82,
  notAuthorized: 0x87,
  serverBusy: 0x89,
  serverShuttingDown: 0x8b,
  keepAliveTimeout: 0x8d,
  sessionTakenOver: 0x8e,
  topicFilterInvalid: 0x8f,
  topicNameInvalid: 0x90,
  topicAliasInvalid: 0x94,
  packetIdInUse: 0x91,
  packetTooLarge: 0x95,
  messageRateTooHigh: 0x96,
  quotaExceeded: 0x97,
  administrativeAction: 0x98,
  qosNotSupported: 0x9b,
  sharedSubscriptionsNotSupported: 0x9e,
  subscriptionIdsNotSupported: 0xa1,
} as const;

/** 3.1.1 SUBACK failure return code. */
export const SUBACK_FAILURE_V4 = 0x80;

/** The MQTT 5 DISCONNECT reason for a session the node ended with a Centrifugo disconnect code. */
export function reasonForDisconnect(code: number): number {
  switch (code) {
    case DisconnectCode.connectionClosed:
      return Reason.success;
    case DisconnectCode.shutdown:
      return Reason.serverShuttingDown;
    case DisconnectCode.expired:
    case DisconnectCode.permissionDenied:
      return Reason.notAuthorized;
    case DisconnectCode.slow:
      return Reason.quotaExceeded;
    case DisconnectCode.noPong:
    case DisconnectCode.stale:
      return Reason.keepAliveTimeout;
    case DisconnectCode.tooManyRequests:
      return Reason.messageRateTooHigh;
    case DisconnectCode.badRequest:
      return Reason.protocolError;
    case DisconnectCode.serverError:
      return Reason.unspecified;
    default:
      // Revocation (3500), server API and fleet disconnects: the operator ended it.
      return Reason.administrativeAction;
  }
}
