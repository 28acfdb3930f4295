import { Server, type ServerWritableStream, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { Logger } from 'pino';
import { grpcServerCredentials, newClientId, shutdownGrpcServer, type GrpcListenerTls } from '../../lib/index.js';
import { Client, NO_HEADERS, connectUnidirectional, type Node } from '../../node/index.js';
import { protoPath, type ConnectRequest, type SubscribeRequest } from '../../protocol/index.js';
import { UniGrpcTransport, peerAddress } from './uni-grpc-transport.js';

const SERVICE = 'centrifugal.centrifugo.unistream.CentrifugoUniStream';

/** The request as proto-loader decodes it with the options below. */
interface WireConnectRequest {
  token?: string;
  data?: Buffer;
  subs?: Record<string, { recover?: boolean; epoch?: string; offset?: number }>;
  name?: string;
  version?: string;
  headers?: Record<string, string>;
}

/**
 * The service with the response serialiser replaced by the identity: pushes arrive from the
 * Client already encoded (once per fan-out, shared by every subscriber), as Centrifugo's raw codec sends them.
 */
function loadService(): ServiceDefinition {
  const file = protoPath('unistream.proto');
  const def = loadSync(file, { keepCase: true, longs: Number, bytes: Buffer, defaults: false });
  const svc = def[SERVICE];
  if (!svc || 'format' in svc) throw new Error(`service ${SERVICE} not found in ${file}`);
  // A proto-loader service is a map of method definitions, which is what grpc-js takes.
  const consume = (svc as ServiceDefinition)['Consume']!;
  return { Consume: { ...consume, responseSerialize: (push: Uint8Array) => Buffer.from(push.buffer, push.byteOffset, push.byteLength) } };
}

function toConnectRequest(w: WireConnectRequest): ConnectRequest {
  let subs: Record<string, SubscribeRequest> | undefined;
  if (w.subs) {
    subs = {};
    for (const [ch, s] of Object.entries(w.subs)) subs[ch] = { recover: s.recover, epoch: s.epoch, offset: s.offset };
  }
  return { token: w.token, data: w.data?.length ? w.data : undefined, subs, name: w.name, version: w.version, headers: w.headers };
}

/** `uni_grpc`: Centrifugo's unistream service on its own port; each `Consume` call is a session. */
export class UniGrpcServer {
  private readonly log: Logger;
  private server: Server | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly node: Node) {
    this.log = node.deps.logger.child({ component: 'uni_grpc' });
  }

  /** Listens; with `tls` (PEM certificate chain and key, a client CA for mutual TLS) over TLS. Resolves with the bound port. */
  async start(address: string, port: number, maxReceiveMessageSize: number, tls?: GrpcListenerTls): Promise<number> {
    if (this.server || this.closing) throw new Error('UniGrpcServer.start: already started or closed');
    const server = new Server(maxReceiveMessageSize > 0 ? { 'grpc.max_receive_message_length': maxReceiveMessageSize } : {});
    server.addService(loadService(), { Consume: (call: ServerWritableStream<WireConnectRequest, Uint8Array>) => this.consume(call) });
    this.server = server;
    const host = address.includes(':') ? `[${address}]` : address;
    const creds = grpcServerCredentials(tls);
    const bound = await new Promise<number>((resolve, reject) => server.bindAsync(`${host}:${port}`, creds, (err, p) => (err ? reject(err) : resolve(p))));
    this.log.info({ address, port: bound }, 'uni_grpc listening');
    return bound;
  }

  private consume(call: ServerWritableStream<WireConnectRequest, Uint8Array>): void {
    if (this.node.shuttingDown) {
      call.end();
      return;
    }
    const transport = new UniGrpcTransport(call, { headers: NO_HEADERS, ip: peerAddress(call.getPeer()), headerUser: '' });
    const client = new Client(this.node, transport, newClientId());
    // A client that hangs up cancels the call; a call ended by us closes too.
    call.on('cancelled', () => client.handleTransportClose());
    call.on('close', () => client.handleTransportClose());
    call.on('error', (err: Error) => client.logDebug({ err: err.message }, 'uni_grpc stream error'));
    void connectUnidirectional(client, toConnectRequest(call.request), true);
  }

  /** Stops accepting calls; open ones were ended by the node's shutdown. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await shutdownGrpcServer(server, 2000, (why) => this.log.warn({ err: why === 'timeout' ? undefined : why }, 'uni_grpc streams cut at shutdown'));
  }
}
