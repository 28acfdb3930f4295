import { createDelta } from 'fossil-delta';
import type { Publication } from '../../protocol/index.js';
import { asJsonString } from './publication-fanout.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Recovered map changes for a delta-negotiated subscriber, as Centrifugo sends them: a key's
 * first change in the batch whole, its later ones as fossil deltas against the one before
 * (removals whole, and they end the key's chain). JSON clients get every value and patch as a
 * JSON string; a patch no smaller than the value, or not UTF-8 for JSON, is sent whole.
 */
export function keyedDeltas(pubs: readonly Publication[], json: boolean): Publication[] {
  const last = new Map<string, Uint8Array>();
  return pubs.map((pub) => {
    const key = pub.key ?? '';
    if (pub.removed) {
      last.delete(key);
      return pub;
    }
    const prev = last.get(key);
    last.set(key, pub.data);
    const patch = prev ? usablePatch(prev, pub.data, json) : undefined;
    if (patch) return { ...pub, data: patch, delta: true };
    return json ? { ...pub, data: asJsonString(pub.data) } : pub;
  });
}

function usablePatch(prev: Uint8Array, data: Uint8Array, json: boolean): Uint8Array | undefined {
  const binary = Uint8Array.from(createDelta(prev, data));
  if (binary.length >= data.length) return undefined;
  if (!json) return binary;
  try {
    return Buffer.from(JSON.stringify(utf8.decode(binary)));
  } catch {
    return undefined;
  }
}
