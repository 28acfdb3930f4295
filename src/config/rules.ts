import { ConfigError } from './errors.js';
import type { FileConfig } from './schema.js';

type ChannelOpts = FileConfig['channel']['without_namespace'];

const NAMESPACE_NAME = /^[-a-zA-Z0-9_.]{2,}$/;

/** Rules across keys, which the schema cannot express; each error names the key it is about. */
export function validateRules(c: FileConfig, file: string | null): void {
  const fail = (key: string, detail: string): never => {
    throw new ConfigError('PARSEC_CONFIG_INVALID', key, file, detail);
  };
  if (c.client.pong_timeout > 0 && c.client.ping_interval <= c.client.pong_timeout) {
    fail('client.ping_interval', 'must be greater than client.pong_timeout');
  }
  const checkChannel = (key: string, o: ChannelOpts): void => {
    if ((o.history_size > 0) !== (o.history_ttl > 0)) fail(key, 'history_size and history_ttl must be set together');
    if ((o.force_recovery || o.allow_recovery) && o.history_size === 0) fail(key, 'recovery needs history (history_size and history_ttl)');
    if ((o.force_positioning || o.allow_positioning) && o.history_size === 0) fail(key, 'positioning needs history (history_size and history_ttl)');
  };
  checkChannel('channel.without_namespace', c.channel.without_namespace);
  const seen = new Set<string>();
  c.channel.namespaces.forEach((ns, i) => {
    const key = `channel.namespaces[${i}]`;
    if (!NAMESPACE_NAME.test(ns.name)) fail(`${key}.name`, `expected letters, digits, "-", "_" or "." (at least 2), got ${JSON.stringify(ns.name)}`);
    if (seen.has(ns.name)) fail(`${key}.name`, `namespace "${ns.name}" is defined twice`);
    seen.add(ns.name);
    checkChannel(`${key} (${ns.name})`, ns);
  });
  if (c.client.subscribe_to_user_personal_channel.enabled) {
    const ns = c.client.subscribe_to_user_personal_channel.personal_channel_namespace;
    if (ns && !seen.has(ns)) fail('client.subscribe_to_user_personal_channel.personal_channel_namespace', `no namespace named "${ns}"`);
  }
}
