import type { ServerResponse } from 'node:http';

/** Ends a non-streaming response with a status and a one-line plain-text reason. */
export function respond(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (status === 204) {
    res.writeHead(204, headers).end();
    return;
  }
  const body = `${message}\n`;
  res
    .writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)) })
    .end(body);
}
