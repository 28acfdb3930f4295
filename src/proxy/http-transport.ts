import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions as HttpsAgentOptions } from 'node:https';
import { BodyTooLargeError, readBody } from '../lib/index.js';
import { ProxyCallError, ProxyCallErrorCode } from './errors.js';
import { decodeJsonReply, encodeJsonRequest } from './json-codec.js';
import type { ClientTls } from '../config/index.js';
import type { ProxyTransport } from './transport.js';
import type { WireRequest } from './requests.js';

/** Larger replies are refused rather than buffered. */
const MAX_REPLY_BYTES = 4 * 1024 * 1024;

/**
 * POSTs JSON to an `http(s)://` endpoint over one keep-alive agent per proxy, so calls
 * reuse connections instead of paying a TCP (and TLS) handshake each. The agent carries the
 * proxy's TLS options (`http.tls`): a private CA, a client certificate, a server name.
 */
export class HttpProxyTransport implements ProxyTransport {
  readonly protocol = 'http';
  private readonly agent: HttpAgent;
  private readonly request: typeof httpRequest;

  constructor(
    private readonly url: URL,
    maxSockets: number,
    private readonly staticHeaders: Readonly<Record<string, string>>,
    tls?: ClientTls,
  ) {
    const https = url.protocol === 'https:';
    this.agent = https ? new HttpsAgent({ keepAlive: true, maxSockets, ...httpsOptions(tls) }) : new HttpAgent({ keepAlive: true, maxSockets });
    this.request = https ? httpsRequest : httpRequest;
  }

  async send(_kind: string, req: WireRequest, headers: Readonly<Record<string, string>>, signal: AbortSignal): Promise<unknown> {
    const body = Buffer.from(encodeJsonRequest(req));
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const r = this.request(this.url, {
        method: 'POST',
        agent: this.agent,
        signal,
        // Static headers first, so the client's forwarded ones win.
        headers: { ...this.staticHeaders, ...headers, 'content-type': 'application/json', 'content-length': String(body.length) },
      });
      r.once('response', resolve);
      r.once('error', (err) => reject(failure(err, signal)));
      r.end(body);
    });
    if (res.statusCode !== 200) {
      res.resume();
      throw new ProxyCallError(ProxyCallErrorCode.status, `HTTP status ${res.statusCode}`, { httpStatus: res.statusCode });
    }
    let data: Buffer;
    try {
      data = await readBody(res, MAX_REPLY_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        res.destroy();
        throw new ProxyCallError(ProxyCallErrorCode.malformed, `reply larger than ${MAX_REPLY_BYTES} bytes`);
      }
      throw failure(err, signal);
    }
    return decodeJsonReply(data);
  }

  close(): void {
    this.agent.destroy();
  }
}

function failure(err: unknown, signal: AbortSignal): ProxyCallError {
  if (signal.aborted) return new ProxyCallError(ProxyCallErrorCode.timeout, 'no reply in time', { cause: err });
  return new ProxyCallError(ProxyCallErrorCode.unreachable, (err as Error).message, { cause: err });
}

/** Node's TLS client options for `tls`; without it, the system's CAs and the endpoint's host. */
function httpsOptions(tls: ClientTls | undefined): HttpsAgentOptions {
  if (!tls) return {};
  return {
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    // Node checks the certificate against `servername` when one is given, as Go's ServerName does.
    servername: tls.serverName,
    rejectUnauthorized: !tls.insecureSkipVerify,
  };
}
