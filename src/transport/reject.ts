import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** Refuses an HTTP upgrade with a status, any extra headers and a one-line body, then drops the socket. */
export function rejectUpgrade(socket: Duplex, status: number, message: string, headers: Readonly<Record<string, string>> = {}): void {
  const reason = STATUS_CODES[status] ?? 'Error';
  const body = `${message}\n`;
  let extra = '';
  for (const [name, value] of Object.entries(headers)) extra += `${name}: ${value}\r\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`,
  );
}
