import { useCallback, useEffect, useRef, useState } from 'react';

export interface Async<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Load again (keeps showing the old data meanwhile). */
  reload: () => void;
  /** Replace the data locally (after a mutation or a live event). */
  setData: (update: T | ((old: T | undefined) => T)) => void;
  /**
   * Applies a live change to the loaded data. Loads again instead when
   * nothing is loaded yet, when a load is under way (its answer may predate
   * the change, and it replaces the data when it comes), or when `update`
   * returns undefined (the event does not say enough).
   */
  apply: (update: (current: T) => T | undefined) => void;
}

/** Runs `load` when `deps` change; the newest call wins. */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): Async<T> {
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  /** The newest data and whether a load is under way, for callbacks that run between renders. */
  const latest = useRef<{ data: T | undefined; loading: boolean }>({ data: undefined, loading: true });

  useEffect(() => {
    let live = true;
    latest.current.loading = true;
    setLoading(true);
    loadRef.current().then(
      (value) => {
        if (!live) return;
        latest.current = { data: value, loading: false };
        setDataState(() => value);
        setError(undefined);
        setLoading(false);
      },
      (failure: unknown) => {
        if (!live) return;
        latest.current.loading = false;
        setError(failure);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
    // `load` is read through a ref: only `deps` decide when to load again.
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  const setData = useCallback((update: T | ((old: T | undefined) => T)) => {
    const next = typeof update === 'function' ? (update as (o: T | undefined) => T)(latest.current.data) : update;
    latest.current.data = next;
    setDataState(() => next);
  }, []);
  const apply = useCallback(
    (update: (current: T) => T | undefined) => {
      const { data: current, loading: busy } = latest.current;
      const next = current === undefined || busy ? undefined : update(current);
      if (next === undefined) {
        reload();
        return;
      }
      if (next === current) return;
      latest.current.data = next;
      setDataState(() => next);
    },
    [reload],
  );
  return { data, error, loading, reload, setData, apply };
}
