/** One issued token, as the audit trail keeps it. */
export interface AuditEntry {
  tokenId: string;
  /** The token's `sub`: the user (or device client id) it was issued to. */
  issuedTo: string;
  /** The service that asked on the user's behalf; '' for a user's own request. */
  delegator: string;
  channels: string[];
  /** Unix ms; 0 = the token does not expire. */
  expiresAt: number;
  /** Unix ms. */
  issuedAt: number;
  /** The requester's address (from X-Forwarded-For only behind a trusted proxy). */
  remoteAddr: string;
}

export interface AuditQuery {
  user?: string;
  tokenId?: string;
  /** At most this many, newest first. */
  limit: number;
}

/** Where issuance records are kept. `record` rejects when the store fails; the broker logs it. */
export interface AuditStore {
  record(entries: readonly AuditEntry[]): Promise<void>;
  query(q: AuditQuery): Promise<AuditEntry[]>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** The last `size` records in memory: this node's recent issuances when no database is configured. */
export class MemoryAudit implements AuditStore {
  private readonly entries: AuditEntry[] = [];

  constructor(private readonly size: number) {}

  async record(entries: readonly AuditEntry[]): Promise<void> {
    this.entries.push(...entries);
    if (this.entries.length > this.size) this.entries.splice(0, this.entries.length - this.size);
  }

  async query(q: AuditQuery): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && out.length < q.limit; i--) {
      const e = this.entries[i]!;
      if ((q.user === undefined || e.issuedTo === q.user || e.delegator === q.user) && (q.tokenId === undefined || e.tokenId === q.tokenId)) out.push(e);
    }
    return out;
  }

  async close(): Promise<void> {}
}
