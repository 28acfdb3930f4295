import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UniStreamConfig } from '../../config/types.js';
import { BodyTooLargeError, newClientId, readBody } from '../../lib/index.js';
import { Client, connectUnidirectional, type Node } from '../../node/index.js';
import { ClientError, DisconnectError, FrameDecodeError, decodeJsonConnectRequest, type ConnectRequest } from '../../protocol/index.js';
import { STREAM_HEADERS, StreamGate, StreamTransport, jsonLines, respond, sseEvents, type StreamFormat } from '../emulation/index.js';

/** What differs between `uni_sse` and `uni_http_stream`. */
interface UniEndpoint {
  readonly name: 'uni_sse' | 'uni_http_stream';
  readonly methods: readonly string[];
  readonly format: StreamFormat;
}

/** `GET /connection/uni_sse?cf_connect=<JSON>` (what an EventSource can send) or a POST with the request as the body. */
export const uniSseEndpoint: UniEndpoint = { name: 'uni_sse', methods: ['GET', 'POST'], format: sseEvents };

/** `POST /connection/uni_http_stream` with the connect request as the body; pushes come back one JSON per line. */
export const uniHttpStreamEndpoint: UniEndpoint = { name: 'uni_http_stream', methods: ['POST'], format: jsonLines };

/**
 * Opens unidirectional HTTP streams: reads one JSON connect request (Centrifugo's
 * ConnectRequest: token, data, subs for recovery, name, version, headers), answers 200 with a
 * streaming body and connects a Client whose pushes go down it. A GET without `cf_connect`
 * connects with an empty request (anonymous or connect proxy), as in Centrifugo.
 */
export class UniStreamHandler {
  readonly path: string;
  private readonly gate: StreamGate;

  constructor(
    private readonly node: Node,
    private readonly endpoint: UniEndpoint,
    private readonly cfg: UniStreamConfig,
  ) {
    this.path = cfg.handlerPrefix;
    this.gate = new StreamGate(node, endpoint.name, endpoint.methods);
  }

  handle(req: IncomingMessage, res: ServerResponse, url: URL): void {
    this.serve(req, res, url).catch((err: unknown) => this.gate.failed(res, err));
  }

  private async serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!this.gate.admit(req, res)) return;
    let raw: Uint8Array;
    if (req.method === 'GET') {
      raw = Buffer.from(url.searchParams.get('cf_connect') ?? 'null', 'utf8');
    } else {
      try {
        raw = await readBody(req, this.cfg.maxRequestBodySize);
      } catch (err) {
        if (!(err instanceof BodyTooLargeError)) throw err;
        respond(res, 413, `${err.message} (${this.endpoint.name}.max_request_body_size)`, { Connection: 'close' });
        return;
      }
    }
    let connect: ConnectRequest;
    try {
      connect = decodeJsonConnectRequest(raw.length === 0 ? Buffer.from('null') : raw);
    } catch (err) {
      if (!(err instanceof FrameDecodeError)) throw err;
      const where = req.method === 'GET' ? 'cf_connect' : 'body';
      this.gate.log.info({ err: err.message }, 'bad connect request');
      respond(res, 400, `invalid connect request in ${where}: ${err.message}`);
      return;
    }
    if (!this.gate.open(res)) return;
    await this.open(req, res, connect);
  }

  private async open(req: IncomingMessage, res: ServerResponse, connect: ConnectRequest): Promise<void> {
    const { format } = this.endpoint;
    const transport = new StreamTransport(this.endpoint.name, 'json', res, format, this.gate.requests.read(req), true);
    const client = new Client(this.node, transport, newClientId());
    // 'close' on the response, not the request: a request emits it as soon as its body is read.
    res.on('close', () => client.handleTransportClose());
    res.on('error', (err) => client.logDebug({ err: err.message }, 'stream write failed'));
    const toHttp = this.cfg.connectCodeToHttpResponse;
    if (!toHttp.enabled) {
      this.writeHead(res, format);
      await connectUnidirectional(client, connect, true);
      return;
    }
    // The status is decided by the connect, so nothing is written before it ends.
    const refused = await connectUnidirectional(client, connect, false);
    if (!refused) {
      this.writeHead(res, format);
      return;
    }
    const code = refused instanceof ClientError || refused instanceof DisconnectError ? refused.code : 0;
    const t = toHttp.transforms.find((x) => x.code === code);
    if (!t) {
      respond(res, 500, 'Internal Server Error');
      return;
    }
    respond(res, t.to.statusCode, t.to.body || refused.message);
  }

  private writeHead(res: ServerResponse, format: StreamFormat): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(200, { ...STREAM_HEADERS, 'Content-Type': format.contentType });
    if (format.preamble) res.write(format.preamble);
    else res.flushHeaders();
  }
}
