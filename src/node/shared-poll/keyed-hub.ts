import type { ItemUpdate, KeyTracker } from './types.js';

/** Who tracks which key of one shared-poll channel on this node. */
export class KeyedHub {
  private readonly byKey = new Map<string, Set<KeyTracker>>();

  add(key: string, tracker: KeyTracker): void {
    let set = this.byKey.get(key);
    if (!set) {
      set = new Set();
      this.byKey.set(key, set);
    }
    set.add(tracker);
  }

  /** True when the key has no tracker left. */
  remove(key: string, tracker: KeyTracker): boolean {
    const set = this.byKey.get(key);
    if (!set) return true;
    set.delete(tracker);
    if (set.size > 0) return false;
    this.byKey.delete(key);
    return true;
  }

  count(key: string): number {
    return this.byKey.get(key)?.size ?? 0;
  }

  get keys(): number {
    return this.byKey.size;
  }

  deliverUpdate(update: ItemUpdate): void {
    const set = this.byKey.get(update.key);
    if (set) for (const t of [...set]) t.deliverUpdate(update);
  }

  /** Every tracker of the key gets the removal and leaves the key. */
  deliverRemoval(key: string): void {
    const set = this.byKey.get(key);
    if (!set) return;
    this.byKey.delete(key);
    for (const t of set) t.deliverRemoval(key);
  }

  /** Each tracker of the channel once. */
  trackers(): Set<KeyTracker> {
    const all = new Set<KeyTracker>();
    for (const set of this.byKey.values()) for (const t of set) all.add(t);
    return all;
  }
}
