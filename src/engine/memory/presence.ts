import type { ClientInfo } from '../../protocol/index.js';
import type { PresenceManager, PresenceStats } from '../types.js';

/** Presence of this process's own clients; entries are removed explicitly on unsubscribe. */
export class MemoryPresenceManager implements PresenceManager {
  private readonly channels = new Map<string, Map<string, ClientInfo>>();

  async presence(channel: string): Promise<Record<string, ClientInfo>> {
    return Object.fromEntries(this.channels.get(channel) ?? []);
  }

  async presenceStats(channel: string): Promise<PresenceStats> {
    const clients = this.channels.get(channel);
    if (!clients) return { numClients: 0, numUsers: 0 };
    const users = new Set<string>();
    for (const info of clients.values()) users.add(info.user);
    return { numClients: clients.size, numUsers: users.size };
  }

  async addPresence(channel: string, clientId: string, info: ClientInfo): Promise<void> {
    let clients = this.channels.get(channel);
    if (!clients) {
      clients = new Map();
      this.channels.set(channel, clients);
    }
    clients.set(clientId, info);
  }

  async removePresence(channel: string, clientId: string): Promise<void> {
    const clients = this.channels.get(channel);
    if (!clients) return;
    clients.delete(clientId);
    if (clients.size === 0) this.channels.delete(channel);
  }
}
