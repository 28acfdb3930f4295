import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Node } from '../../node/index.js';
import { OriginCheck } from '../origin.js';
import { RequestReader } from '../request-info.js';
import { answerPreflight, applyCors } from './cors.js';
import { respond } from './respond.js';

/**
 * What every streaming endpoint, emulated or unidirectional, checks before it reads a connect
 * request: the origin (CORS), a preflight, the method, and whether the node is shutting down.
 */
export class StreamGate {
  readonly log: Logger;
  readonly requests: RequestReader;
  private readonly origins: OriginCheck;
  private readonly allow: string;

  constructor(
    private readonly node: Node,
    name: string,
    private readonly methods: readonly string[],
  ) {
    this.origins = new OriginCheck(node.config.client.allowedOrigins);
    this.log = node.deps.logger.child({ component: name });
    this.allow = [...methods, 'OPTIONS'].join(', ');
    this.requests = new RequestReader(node);
  }

  /** Answers the request and returns false when it goes no further. */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    if (!applyCors(req, res, this.origins)) {
      this.log.info({ origin: req.headers.origin }, 'origin not allowed');
      respond(res, 403, 'origin not allowed');
      return false;
    }
    if (req.method === 'OPTIONS') {
      answerPreflight(res, this.allow);
      return false;
    }
    if (!this.methods.includes(req.method ?? '')) {
      respond(res, 405, `method not allowed: use ${this.methods.join(' or ')}`, { Allow: this.allow });
      return false;
    }
    return this.open(res);
  }

  /** False, with a 503, once the node is shutting down (checked again after a body arrived). */
  open(res: ServerResponse): boolean {
    if (!this.node.shuttingDown) return true;
    respond(res, 503, 'shutting down');
    return false;
  }

  /** A request that failed unexpectedly: 500 when nothing was sent yet, else the stream is cut. */
  failed(res: ServerResponse, err: unknown): void {
    this.log.error({ err }, 'stream request failed');
    if (!res.headersSent) respond(res, 500, 'internal server error');
    else res.destroy();
  }
}
