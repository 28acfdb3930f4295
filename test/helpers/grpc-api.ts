import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath } from '../../src/protocol/index.js';

const def = loadSync(protoPath('api.proto'), { keepCase: true, longs: Number, bytes: Buffer, defaults: false, oneofs: true });

/**
 * A plain grpc-js client of CentrifugoApi with an API key: `rpc(name, request)` resolves with
 * the response message; `metadata` adds entries to that call's.
 */
export function grpcApi(port: number, key: string): { rpc<T>(name: string, req: object, metadata?: Record<string, string>): Promise<T>; close(): void } {
  const svc = def['centrifugal.centrifugo.api.CentrifugoApi'];
  if (!svc || 'format' in svc) throw new Error('CentrifugoApi not in api.proto');
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  const md = new Metadata();
  md.set('authorization', `apikey ${key}`);
  return {
    rpc: <T>(name: string, req: object, metadata: Record<string, string> = {}): Promise<T> => {
      const m = svc[name];
      if (!m || 'format' in m) throw new Error(`no rpc ${name}`);
      const callMd = md.clone();
      for (const [k, v] of Object.entries(metadata)) callMd.set(k, v);
      return new Promise((resolve, reject) => client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, req, callMd, (err, res) => (err ? reject(err) : resolve(res as T))));
    },
    close: () => client.close(),
  };
}
