import type { PublicationFanout } from './publication-fanout.js';
import { ChannelSubscription } from './subscription.js';

/**
 * One client's subscription to a map channel. Live delivery, buffering while the subscribe
 * flow runs and position checks are a stream subscription's; what differs is the payload:
 * a delta is taken against the key's previous value, which the client holds from the state
 * or an earlier update, so every key is its own delta chain.
 */
export class MapSubscription extends ChannelSubscription {
  override get source(): 'stream' | 'map' {
    return 'map';
  }

  protected override encode(fanout: PublicationFanout): Uint8Array | undefined {
    const codec = this.client.codec;
    const compact = this.compact;
    // Removals carry no value: never a delta, and nothing to read as a JSON string.
    if (!this.opts.delta || fanout.pub.removed) return fanout.plain(codec, compact);
    // A tags filter may have hidden the key's previous value from this client.
    const delta = this.opts.tagsFilter ? undefined : fanout.delta(codec, compact);
    return delta ?? fanout.fullForDelta(codec, compact);
  }
}
