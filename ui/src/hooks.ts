import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure } from './api.js';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiFailure | undefined;
  loading: boolean;
  reload: () => void;
}

const asFailure = (err: unknown): ApiFailure => (err instanceof ApiFailure ? err : new ApiFailure(String((err as Error)?.message ?? err), 0));

/**
 * Loads `fn` when `deps` change (and every `everyMs` when given), keeping the last good
 * data on screen while a refresh runs: a slow cluster never blanks the page.
 */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[], everyMs = 0): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiFailure | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const run = useCallback(() => {
    const mine = ++seq.current;
    setLoading(true);
    fn().then(
      (d) => {
        if (mine !== seq.current) return;
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== seq.current) return;
        setError(asFailure(err));
        setLoading(false);
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => {
    run();
    if (everyMs <= 0) return undefined;
    const t = setInterval(run, everyMs);
    return () => clearInterval(t);
  }, [run, everyMs]);
  return { data, error, loading, reload: run };
}

/** Runs an action, reporting its outcome; `busy` while it runs. */
export function useAction(): { busy: boolean; error: ApiFailure | undefined; done: string; run: (what: () => Promise<string>) => Promise<boolean>; clear: () => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiFailure | undefined>(undefined);
  const [done, setDone] = useState('');
  const run = async (what: () => Promise<string>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    setDone('');
    try {
      setDone(await what());
      return true;
    } catch (err) {
      setError(asFailure(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, run, clear: () => (setError(undefined), setDone('')) };
}
