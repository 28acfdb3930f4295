import { ServerCredentials } from '@grpc/grpc-js';

/** A gRPC listener's certificate chain and key, and the CA client certificates must chain to (mutual TLS) when set. */
export interface GrpcListenerTls {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/** Plain, TLS, or with a client CA mutual TLS (a client without a certificate it signed fails the handshake). */
export function grpcServerCredentials(tls: GrpcListenerTls | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(tls.ca ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.ca !== undefined);
}
