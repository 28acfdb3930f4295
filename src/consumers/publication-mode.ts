import type { Command } from './dispatch.js';

/** Where publication data mode finds each publication field: entry fields or message headers, by name. */
export interface DataModeNames {
  channels: string;
  idempotencyKey: string;
  delta: string;
  version: string;
  versionEpoch: string;
  tagsPrefix: string;
}

/**
 * Centrifugo's publication data mode: the message body is the publication's data and its
 * fields (Redis) or headers (JetStream) name the channels (comma-separated) and the
 * publication's options. One channel makes a `publish`, several a `broadcast`. Data that is
 * not JSON goes as `b64data`, for protobuf subscribers.
 */
export function publicationCommand(data: Uint8Array, fields: ReadonlyMap<string, string>, names: DataModeNames): Command {
  const channels = (fields.get(names.channels) ?? '').split(',').map((c) => c.trim()).filter(Boolean);
  if (channels.length === 0) return { reason: `no channels in "${names.channels}"` };
  const params: Record<string, unknown> = json(data);
  const key = fields.get(names.idempotencyKey);
  if (key) params['idempotency_key'] = key;
  const delta = fields.get(names.delta);
  if (delta !== undefined && delta !== '') {
    if (!/^(true|false|1|0)$/i.test(delta)) return { reason: `"${names.delta}" is not a boolean: ${JSON.stringify(delta)}` };
    params['delta'] = /^(true|1)$/i.test(delta);
  }
  const version = fields.get(names.version);
  if (version !== undefined && version !== '') {
    if (!/^\d+$/.test(version) || !Number.isSafeInteger(Number(version))) return { reason: `"${names.version}" is not a version number: ${JSON.stringify(version)}` };
    params['version'] = Number(version);
  }
  const epoch = fields.get(names.versionEpoch);
  if (epoch) params['version_epoch'] = epoch;
  if (names.tagsPrefix) {
    const tags = Object.fromEntries([...fields].filter(([k]) => k.startsWith(names.tagsPrefix)).map(([k, v]) => [k.slice(names.tagsPrefix.length), v]));
    if (Object.keys(tags).length > 0) params['tags'] = tags;
  }
  return channels.length === 1 ? { method: 'publish', params: { ...params, channel: channels[0] } } : { method: 'broadcast', params: { ...params, channels } };
}

function json(data: Uint8Array): Record<string, unknown> {
  try {
    return { data: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data)) as unknown };
  } catch {
    return { b64data: Buffer.from(data).toString('base64') };
  }
}
