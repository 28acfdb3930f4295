/** A held engine call: `reached` settles when the call arrives, `release` lets it run. */
export interface Hold {
  readonly reached: Promise<void>;
  release(): void;
}

type AsyncMethod = (...args: never[]) => Promise<unknown>;

/**
 * Holds the next call of `method` on a real engine object whose arguments match, until
 * released: a test then forces an interleaving (something else happens while the call waits)
 * instead of hoping the machine is slow enough. Later calls run as usual.
 */
export function holdNext<K extends string, T extends Record<K, AsyncMethod>>(
  target: T,
  method: K,
  matches: (...args: Parameters<T[K]>) => boolean = () => true,
): Hold {
  const original = target[method];
  let reach = (): void => undefined;
  let release = (): void => undefined;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  let held = false;
  const wrapped = async (...args: Parameters<T[K]>): Promise<unknown> => {
    if (!held && matches(...args)) {
      held = true;
      reach();
      await released;
    }
    return original.apply(target, args);
  };
  // The wrapper has the method's signature; TypeScript cannot see that through the generic key.
  target[method] = wrapped as unknown as T[K];
  return { reached, release };
}
