import type { Caller } from '../../proxy/index.js';
import type { Client } from './client.js';
import { NO_HEADERS } from '../transport.js';

/** The session as a backend sees it in every proxy call. */
export function callerOf(client: Client): Caller {
  const { transport, credentials } = client;
  return {
    client: client.id,
    transport: transport.name,
    protocol: transport.protocol,
    user: credentials.user,
    meta: credentials.meta,
    labels: credentials.labels,
    headers: transport.request.headers,
    emulatedHeaders: client.emulatedHeaders,
    ip: transport.request.ip,
  };
}

/** The connect command's headers that some proxy forwards, by lower-case name. */
export function keptEmulatedHeaders(client: Client, headers: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> {
  const wanted = client.node.deps.proxies.emulatedHeaders;
  if (!headers || wanted.size === 0) return NO_HEADERS;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (wanted.has(k.toLowerCase())) out[k.toLowerCase()] = v;
  return out;
}
