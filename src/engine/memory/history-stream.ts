import type { StreamPosition } from '../../protocol/index.js';
import type { EnginePublication } from '../types.js';

/**
 * One channel's stream in memory: the latest publications plus the stream
 * position. Publications expire `historyTtl` after the latest publish; the position
 * (offset, epoch) lives on until `metaExpiresAt`, so a client that comes back
 * after the data expired learns it cannot recover instead of seeing a new stream.
 */
export class HistoryStream {
  top = 0;
  dataExpiresAt = 0;
  metaExpiresAt: number;
  private pubs: EnginePublication[] = [];
  private size = 0;

  constructor(
    readonly epoch: string,
    metaExpiresAt: number,
  ) {
    this.metaExpiresAt = metaExpiresAt;
  }

  append(pub: Omit<EnginePublication, 'offset'>, size: number, dataExpiresAt: number, metaExpiresAt: number): EnginePublication {
    if (pub.time >= this.dataExpiresAt) this.pubs = [];
    const stored: EnginePublication = { ...pub, offset: ++this.top };
    this.pubs.push(stored);
    this.size = size;
    // Trim in batches: slicing on every publish would make each append O(size).
    if (this.pubs.length >= size * 2 || (size < 8 && this.pubs.length > size)) this.pubs = this.pubs.slice(-size);
    this.dataExpiresAt = dataExpiresAt;
    this.metaExpiresAt = Math.max(this.metaExpiresAt, metaExpiresAt);
    return stored;
  }

  position(): StreamPosition {
    return { offset: this.top, epoch: this.epoch };
  }

  /** Publications still in history at `now`, oldest first. */
  retained(now: number): EnginePublication[] {
    if (now >= this.dataExpiresAt) return [];
    return this.pubs.length > this.size ? this.pubs.slice(-this.size) : this.pubs;
  }

  clear(): void {
    this.pubs = [];
  }

  /** Drops publication data past its TTL; says whether the whole stream is gone. */
  expire(now: number): boolean {
    if (now >= this.dataExpiresAt) this.pubs = [];
    return now >= this.metaExpiresAt;
  }
}
