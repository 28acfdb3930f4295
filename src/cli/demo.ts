import { randomBytes } from 'node:crypto';
import type { ChannelOptions, Config } from '../config/types.js';

/**
 * Settings for a start without a config file: fresh secrets that live as long as the
 * process, listening on loopback only, and channels a newcomer can use at once.
 */
export function demoConfig(base: Readonly<Config>): Config {
  const channels: ChannelOptions = {
    ...base.channel.withoutNamespace,
    presence: true,
    joinLeave: true,
    historySize: 100,
    historyTtl: 300_000,
    forceRecovery: true,
    allowSubscribeForClient: true,
    allowPublishForSubscriber: true,
    allowPresenceForSubscriber: true,
    allowHistoryForSubscriber: true,
  };
  return {
    ...base,
    httpServer: { ...base.httpServer, address: base.httpServer.address || '127.0.0.1' },
    client: { ...base.client, token: { ...base.client.token, hmacSecretKey: randomBytes(32).toString('hex') } },
    channel: { ...base.channel, withoutNamespace: channels },
    httpApi: { ...base.httpApi, key: randomBytes(24).toString('hex') },
    admin: { ...base.admin, enabled: true, password: randomBytes(12).toString('base64url'), secret: randomBytes(32).toString('hex') },
  };
}
