import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../../config/types.js';
import { BodyTooLargeError, readBody } from '../../lib/index.js';
import type { Node } from '../../node/index.js';
import { FrameDecodeError, decodeEmulationRequest, type EmulationRequest } from '../../protocol/index.js';
import { OriginCheck } from '../origin.js';
import { bodyProtocol } from './body-protocol.js';
import { answerPreflight, applyCors } from './cors.js';
import { respond } from './respond.js';

/**
 * `POST /emulation`: the client-to-server half of SSE and HTTP-streaming sessions. Each
 * request carries one frame of commands for a session; the replies go down that session's
 * stream, so the request itself is answered 204 at once.
 */
export class EmulationHandler {
  readonly path: string;
  private readonly origins: OriginCheck;
  private readonly log: Logger;

  constructor(
    private readonly node: Node,
    private readonly cfg: Config['emulation'],
  ) {
    this.path = cfg.handlerPrefix;
    this.origins = new OriginCheck(node.config.client.allowedOrigins);
    this.log = node.deps.logger.child({ component: 'emulation' });
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    this.serve(req, res).catch((err: unknown) => {
      this.log.error({ err }, 'emulation request failed');
      if (!res.headersSent) respond(res, 500, 'internal server error');
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!applyCors(req, res, this.origins)) {
      this.log.info({ origin: req.headers.origin }, 'origin not allowed');
      respond(res, 403, 'origin not allowed');
      return;
    }
    if (req.method === 'OPTIONS') {
      answerPreflight(res, 'POST, OPTIONS');
      return;
    }
    if (req.method !== 'POST') {
      respond(res, 405, 'method not allowed: use POST', { Allow: 'POST, OPTIONS' });
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, this.cfg.maxRequestBodySize);
    } catch (err) {
      if (!(err instanceof BodyTooLargeError)) throw err;
      respond(res, 413, `${err.message} (emulation.max_request_body_size)`, { Connection: 'close' });
      return;
    }
    let request: EmulationRequest;
    try {
      request = decodeEmulationRequest(body, bodyProtocol(req));
    } catch (err) {
      if (!(err instanceof FrameDecodeError)) throw err;
      this.log.info({ err: err.message }, 'bad emulation request');
      respond(res, 400, err.message);
      return;
    }
    if (request.node !== this.node.id) {
      // Behind a load balancer without sticky sessions the stream may live on another node.
      if (!this.node.control.isLive(request.node)) {
        this.log.debug({ node: request.node }, 'emulation request for an unknown node');
        respond(res, 404, 'unknown node');
        return;
      }
      await this.node.control.forwardEmulation(request.node, request.session, request.data);
      respond(res, 204, '');
      return;
    }
    const client = this.node.emulatedSession(request.session);
    if (!client) {
      // The session has ended (its stream already carried the disconnect), or never was.
      // Session ids are not logged: they are what authorises these requests.
      this.log.debug('emulation request for an unknown session');
      respond(res, 404, 'unknown session');
      return;
    }
    client.handleFrame(request.data);
    respond(res, 204, '');
  }
}
