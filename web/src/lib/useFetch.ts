// Loads data for a page: refetches when `key` changes, aborts the request it replaces, and
// can poll. `data` keeps the previous value while a refetch runs so tables do not flash;
// `loading` says so from the very render in which the key changes (not one render later,
// when the effect starts the request), so a page never reports old rows as the new ones.
import { useEffect, useRef, useState } from "preact/hooks";

export interface FetchState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

export function useFetch<T>(
  load: (signal: AbortSignal) => Promise<T>,
  key: string,
  pollMs = 0,
): FetchState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  // The key whose answer (or error) `data` / `error` hold.
  const settledKey = useRef<string | undefined>(undefined);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    loadRef
      .current(controller.signal)
      .then((value) => {
        if (controller.signal.aborted) return;
        settledKey.current = key;
        setData(value);
        setError(undefined);
        setLoading(false);
      })
      .catch((e: unknown) => {
        if (controller.signal.aborted) return;
        settledKey.current = key;
        setError(e instanceof Error ? e : new Error(String(e)));
        setLoading(false);
      });
    return () => controller.abort();
  }, [key, tick]);

  useEffect(() => {
    if (pollMs <= 0) return undefined;
    const timer = window.setInterval(() => setTick((t) => t + 1), pollMs);
    return () => window.clearInterval(timer);
  }, [pollMs]);

  return { data, error, loading: loading || settledKey.current !== key, reload: () => setTick((t) => t + 1) };
}
