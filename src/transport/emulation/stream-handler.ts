import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StreamEndpointConfig } from '../../config/types.js';
import { BodyTooLargeError, newClientId } from '../../lib/index.js';
import { Client, type ConnectionRequest, type Node } from '../../node/index.js';
import { respond } from './respond.js';
import type { ConnectFrame, StreamEndpoint } from './stream-endpoints.js';
import { StreamGate } from './stream-gate.js';
import { STREAM_HEADERS } from './stream-headers.js';
import { StreamTransport } from './stream-transport.js';

/**
 * Opens SSE and HTTP-streaming sessions: checks the origin, reads the connect command from
 * the request, answers 200 with a streaming body and hands the session to a Client whose
 * replies are written to that body. Later commands arrive through EmulationHandler.
 */
export class StreamHandler {
  readonly path: string;
  private readonly gate: StreamGate;

  constructor(
    private readonly node: Node,
    private readonly endpoint: StreamEndpoint,
    private readonly cfg: StreamEndpointConfig,
  ) {
    this.path = cfg.handlerPrefix;
    this.gate = new StreamGate(node, endpoint.name, endpoint.methods);
  }

  handle(req: IncomingMessage, res: ServerResponse, url: URL): void {
    this.serve(req, res, url).catch((err: unknown) => this.gate.failed(res, err));
  }

  private async serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!this.gate.admit(req, res)) return;
    let frame: ConnectFrame;
    try {
      frame = await this.endpoint.connectFrame(req, url, this.cfg.maxRequestBodySize);
    } catch (err) {
      if (!(err instanceof BodyTooLargeError)) throw err;
      // Close rather than read the rest of an oversized body.
      respond(res, 413, `${err.message} (${this.endpoint.name}.max_request_body_size)`, { Connection: 'close' });
      return;
    }
    if (frame.data.length === 0) {
      const where = req.method === 'GET' ? 'the cf_connect query parameter' : 'the request body';
      respond(res, 400, `expected a connect command in ${where}`);
      return;
    }
    // The node may have begun shutting down while the body arrived.
    if (!this.gate.open(res)) return;
    this.open(res, frame, this.gate.requests.read(req));
  }

  private open(res: ServerResponse, frame: ConnectFrame, request: ConnectionRequest): void {
    const format = this.endpoint.format(frame.protocol);
    res.writeHead(200, { ...STREAM_HEADERS, 'Content-Type': format.contentType });
    if (format.preamble) res.write(format.preamble);
    else res.flushHeaders();
    const transport = new StreamTransport(this.endpoint.name, frame.protocol, res, format, request);
    const client = new Client(this.node, transport, newClientId());
    // 'close' on the response, not the request: a request emits it as soon as its body is read.
    res.on('close', () => client.handleTransportClose());
    res.on('error', (err) => client.logDebug({ err: err.message }, 'stream write failed'));
    client.handleFrame(frame.data);
  }
}
