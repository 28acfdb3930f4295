import { DisconnectCode, ErrorCode, disconnectReasons, errorMessages, shouldReconnect } from './codes.js';

/** An error reply to one command: the connection stays open. */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  readonly code: number;
  readonly temporary: boolean;

  constructor(code: ErrorCode | number, message?: string, temporary?: boolean) {
    const known = errorMessages[code as ErrorCode];
    super(message ?? known?.message ?? 'error');
    this.code = code;
    this.temporary = temporary ?? known?.temporary ?? false;
  }
}

/** Ends the connection with a close code and a reason the SDK shows to the app. */
export class DisconnectError extends Error {
  override readonly name = 'DisconnectError';
  readonly code: number;
  readonly reason: string;

  constructor(code: DisconnectCode | number, reason?: string) {
    const text = truncateReason(reason ?? disconnectReasons[code as DisconnectCode] ?? 'disconnect');
    super(text);
    this.code = code;
    this.reason = text;
  }

  get reconnect(): boolean {
    return shouldReconnect(this.code);
  }
}

/** WebSocket close reasons are limited to 123 bytes; keep within it on a UTF-8 boundary. */
function truncateReason(reason: string): string {
  const buf = Buffer.from(reason);
  if (buf.length <= 123) return reason;
  return buf.subarray(0, 123).toString('utf8').replace(/\uFFFD+$/, '');
}

/** Shorthands for the errors the command handlers raise most often. */
export const errors = {
  badRequest: (message?: string) => new ClientError(ErrorCode.badRequest, message),
  permissionDenied: () => new ClientError(ErrorCode.permissionDenied),
  unknownChannel: () => new ClientError(ErrorCode.unknownChannel),
  notAvailable: () => new ClientError(ErrorCode.notAvailable),
  internal: () => new ClientError(ErrorCode.internal),
} as const;

export const disconnects = {
  badRequest: (reason?: string) => new DisconnectError(DisconnectCode.badRequest, reason),
  invalidToken: () => new DisconnectError(DisconnectCode.invalidToken),
  shutdown: () => new DisconnectError(DisconnectCode.shutdown),
} as const;
