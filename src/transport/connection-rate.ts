import { BucketArray, type Clock } from '../lib/index.js';

const ONLY_SLOT: readonly number[] = [0];

/**
 * `client.connection_rate_limit`: the new client connections (WebSocket upgrades, SSE and
 * HTTP-streaming requests, unidirectional ones) this node accepts per second, as a token
 * bucket holding one second's worth, as Centrifugo's limiter does. Past it the request gets
 * HTTP 503 before any work, so a reconnect storm after a restart is spread out.
 */
export class ConnectionRate {
  private readonly bucket: BucketArray;

  constructor(
    perSecond: number,
    private readonly clock: Clock,
  ) {
    this.bucket = new BucketArray([{ interval: 1000, rate: perSecond }]);
  }

  /** Takes a place for one more connection now; false when the second's places are gone. */
  allow(): boolean {
    return this.bucket.take(ONLY_SLOT, this.clock.now()) === 0;
  }
}
