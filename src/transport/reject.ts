import type { Duplex } from 'node:stream';

/** Refuses an HTTP upgrade with a status and a one-line body, then drops the socket. */
export function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const reason = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' }[status] ?? 'Error';
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
