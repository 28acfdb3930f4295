import type { IncomingMessage } from 'node:http';
import { readBody } from '../../lib/index.js';
import type { ProtocolName } from '../../protocol/index.js';
import { bodyProtocol } from './body-protocol.js';
import { jsonLines, protobufDelimited, sseEvents, type StreamFormat } from './stream-format.js';

/** The connect command(s) a stream opens with, in the session's protocol; empty when none came. */
export interface ConnectFrame {
  protocol: ProtocolName;
  data: Uint8Array;
}

/** What differs between the two streaming endpoints; StreamHandler does the rest. */
export interface StreamEndpoint {
  /** The transport name, which is also its config section. */
  readonly name: 'http_stream' | 'sse';
  /** Methods that open a stream (OPTIONS is answered separately). */
  readonly methods: readonly string[];
  /** Reads the connect frame; rejects with BodyTooLargeError over `limit`. */
  connectFrame(req: IncomingMessage, url: URL, limit: number): Promise<ConnectFrame>;
  format(protocol: ProtocolName): StreamFormat;
}

/** `POST /connection/http_stream`: the body is the connect command, JSON or protobuf by Content-Type. */
export const httpStreamEndpoint: StreamEndpoint = {
  name: 'http_stream',
  methods: ['POST'],
  connectFrame: async (req, _url, limit) => ({ protocol: bodyProtocol(req), data: await readBody(req, limit) }),
  format: (protocol) => (protocol === 'protobuf' ? protobufDelimited : jsonLines),
};

/**
 * `GET /connection/sse?cf_connect=<JSON connect command>`, which is all a browser
 * EventSource can send, or a POST with the command as the body. JSON only.
 */
export const sseEndpoint: StreamEndpoint = {
  name: 'sse',
  methods: ['GET', 'POST'],
  async connectFrame(req, url, limit) {
    if (req.method === 'POST') return { protocol: 'json', data: await readBody(req, limit) };
    return { protocol: 'json', data: Buffer.from(url.searchParams.get('cf_connect') ?? '', 'utf8') };
  },
  format: () => sseEvents,
};
