import { disconnectReasons, errorMessages, shouldReconnect, type DisconnectCode, type ErrorCode } from './codes.js';

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

/**
 * A payload field (`data`, `conn_info`, `chan_info`) that the JSON protocol cannot carry:
 * it is embedded raw in the frame and is not UTF-8 JSON. A session that would receive it
 * ends with 3506 (inappropriate protocol) instead of getting a broken frame.
 */
export class PayloadNotJsonError extends Error {
  override readonly name = 'PayloadNotJsonError';
  readonly code = 'PARSEC_PAYLOAD_NOT_JSON';

  constructor(readonly field: string) {
    super(`${field} is not JSON`);
  }
}

/** WebSocket close reasons are limited to 123 bytes; keep within it on a UTF-8 boundary. */
function truncateReason(reason: string): string {
  const buf = Buffer.from(reason);
  if (buf.length <= 123) return reason;
  return buf.subarray(0, 123).toString('utf8').replace(/\uFFFD+$/, '');
}
