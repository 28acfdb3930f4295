import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

let sink: Promise<string> | undefined;

/**
 * An OTLP/HTTP endpoint that accepts and drops every export, so a traced server under test
 * pays for making and sending spans but not for a collector's work. Started once per run and
 * unref'd: it never keeps the run alive. Resolves with its base URL.
 */
export function otlpSink(): Promise<string> {
  sink ??= new Promise((resolve) => {
    const server: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end());
    });
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
    server.unref();
  });
  return sink;
}
