import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { StreamEndpointConfig } from '../../config/types.js';
import { BodyTooLargeError, newClientId } from '../../lib/index.js';
import { Client, type ConnectionRequest, type Node } from '../../node/index.js';
import { OriginCheck } from '../origin.js';
import { RequestReader } from '../request-info.js';
import { answerPreflight, applyCors } from './cors.js';
import { respond } from './respond.js';
import type { ConnectFrame, StreamEndpoint } from './stream-endpoints.js';
import { StreamTransport } from './stream-transport.js';

/**
 * Headers that keep proxies from buffering or caching a stream: nginx honours
 * X-Accel-Buffering, everything else the Cache-Control. Idle streams stay alive through the
 * server's protocol pings (`client.ping_interval`), which flow like any other reply.
 */
const STREAM_HEADERS = {
  'Cache-Control': 'private, no-cache, no-store, must-revalidate, max-age=0',
  Pragma: 'no-cache',
  Expires: '0',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
} as const;

/**
 * Opens SSE and HTTP-streaming sessions: checks the origin, reads the connect command from
 * the request, answers 200 with a streaming body and hands the session to a Client whose
 * replies are written to that body. Later commands arrive through EmulationHandler.
 */
export class StreamHandler {
  readonly path: string;
  private readonly origins: OriginCheck;
  private readonly log: Logger;
  private readonly allow: string;
  private readonly requests: RequestReader;

  constructor(
    private readonly node: Node,
    private readonly endpoint: StreamEndpoint,
    private readonly cfg: StreamEndpointConfig,
  ) {
    this.path = cfg.handlerPrefix;
    this.origins = new OriginCheck(node.config.client.allowedOrigins);
    this.log = node.deps.logger.child({ component: endpoint.name });
    this.allow = [...endpoint.methods, 'OPTIONS'].join(', ');
    this.requests = new RequestReader(node);
  }

  handle(req: IncomingMessage, res: ServerResponse, url: URL): void {
    this.serve(req, res, url).catch((err: unknown) => {
      this.log.error({ err }, 'stream request failed');
      if (!res.headersSent) respond(res, 500, 'internal server error');
      else res.destroy();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!applyCors(req, res, this.origins)) {
      this.log.info({ origin: req.headers.origin }, 'origin not allowed');
      respond(res, 403, 'origin not allowed');
      return;
    }
    if (req.method === 'OPTIONS') {
      answerPreflight(res, this.allow);
      return;
    }
    if (!this.endpoint.methods.includes(req.method ?? '')) {
      respond(res, 405, `method not allowed: use ${this.endpoint.methods.join(' or ')}`, { Allow: this.allow });
      return;
    }
    if (this.node.shuttingDown) {
      respond(res, 503, 'shutting down');
      return;
    }
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
    if (this.node.shuttingDown) {
      respond(res, 503, 'shutting down');
      return;
    }
    this.open(res, frame, this.requests.read(req));
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
