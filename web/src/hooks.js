import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api.js';

// Loads `path` (null = nothing yet) and reloads it every `refreshMs` while the page is
// visible. Keeps the last good data while a reload runs, so the page does not flicker.
export function useApi(path, { refreshMs = 0 } = {}) {
  const [state, setState] = useState({ data: null, error: null, loading: !!path });
  const controller = useRef(null);
  const load = useCallback(async () => {
    if (!path) return;
    controller.current?.abort();
    const c = new AbortController();
    controller.current = c;
    try {
      const data = await api(path, { signal: c.signal });
      if (!c.signal.aborted) setState({ data, error: null, loading: false });
    } catch (error) {
      if (!c.signal.aborted) setState((s) => ({ data: s.data, error, loading: false }));
    }
  }, [path]);
  useEffect(() => {
    setState((s) => ({ ...s, loading: !!path }));
    load();
    if (!refreshMs) return () => controller.current?.abort();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') load();
    }, refreshMs);
    return () => {
      clearInterval(timer);
      controller.current?.abort();
    };
  }, [load, refreshMs]);
  return { ...state, reload: load };
}

// Runs an API write, tracking `busy` and the last error, for forms and buttons.
export function useAction(fn) {
  const [state, setState] = useState({ busy: false, error: null });
  const run = async (...args) => {
    setState({ busy: true, error: null });
    try {
      const out = await fn(...args);
      setState({ busy: false, error: null });
      return out;
    } catch (error) {
      setState({ busy: false, error });
      return undefined;
    }
  };
  return [run, state];
}
