// Live tail (#/logs/tail?q=): new matching lines as they are processed, newest on top, the
// last MAX kept. Read with fetch streaming (EventSource cannot send the key); leaving the
// page aborts the stream. Paused, lines keep arriving into a buffer shown on resume.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { stream, q } from '../api.js';
import { setParams } from '../router.js';
import { count } from '../format.js';
import { ErrorBox } from '../components/status.jsx';
import { LogTable, highlighter } from './logs.jsx';

export const MAX_LINES = 500;

export function LogTail({ route }) {
  const query = route.params.get('q') ?? '';
  const [draft, setDraft] = useState(query);
  const [lines, setLines] = useState([]);
  const [status, setStatus] = useState('connecting');
  const [error, setError] = useState(null);
  const [dropped, setDropped] = useState(0);
  const [paused, setPaused] = useState(false);
  const [held, setHeld] = useState(0);
  const [attempt, setAttempt] = useState(0);
  const pending = useRef([]);
  const pausedRef = useRef(false);
  const seq = useRef(0);
  useEffect(() => {
    setDraft(query);
    setLines([]);
    setDropped(0);
    pending.current = [];
  }, [query]);

  // Lines arrive in bursts: gather them and render at most ~10 times a second.
  const flush = useRef(null);
  const schedule = () => {
    if (flush.current) return;
    flush.current = setTimeout(() => {
      flush.current = null;
      if (pausedRef.current) {
        setHeld(pending.current.length);
        return;
      }
      const fresh = pending.current.reverse();
      pending.current = [];
      setHeld(0);
      setLines((old) => [...fresh, ...old].slice(0, MAX_LINES));
    }, 100);
  };

  useEffect(() => {
    const c = new AbortController();
    setStatus('connecting');
    setError(null);
    const path = '/api/v1/logs/tail' + q({ query });
    stream(path, ({ event, data }) => {
      if (event === 'dropped') {
        try {
          setDropped((n) => n + (JSON.parse(data).lines ?? 0));
        } catch {
          // a malformed count: ignore it
        }
        return;
      }
      let record;
      try {
        record = JSON.parse(data);
      } catch {
        return;
      }
      record._key = ++seq.current;
      pending.current.push(record);
      if (pending.current.length > MAX_LINES) pending.current.splice(0, pending.current.length - MAX_LINES);
      schedule();
    }, c.signal).then(
      () => !c.signal.aborted && setStatus('ended'),
      (e) => {
        if (c.signal.aborted) return;
        setStatus('ended');
        setError(e);
      });
    // fetch resolves once the headers arrive; the stream is live from then on.
    const live = setTimeout(() => !c.signal.aborted && setStatus((s) => (s === 'connecting' ? 'live' : s)), 300);
    return () => {
      c.abort();
      clearTimeout(live);
      clearTimeout(flush.current);
      flush.current = null;
    };
  }, [query, attempt]);

  const togglePause = () => {
    pausedRef.current = !paused;
    setPaused(!paused);
    if (paused) schedule();
  };
  const submit = (e) => {
    e.preventDefault();
    setParams({ q: draft.trim() });
    setAttempt((n) => n + 1);
  };
  const re = useMemo(() => highlighter(query), [query]);
  const state = status === 'ended' ? 'Stopped' : status === 'connecting' ? 'Connecting' : paused ? 'Paused' : 'Live';

  return (
    <>
      <form class="inline" role="search" aria-label="Tail logs" onSubmit={submit}>
        <div class="grow">
          <label for="tail-q">Query</label>
          <input id="tail-q" type="search" class="mono" value={draft} placeholder="level>=warn service:api"
            spellcheck={false} autocomplete="off" onInput={(e) => setDraft(e.currentTarget.value)} />
        </div>
        <div>
          <button type="submit">Tail</button>
        </div>
      </form>
      <div class="row tail-bar">
        <span class={`pill pill-${state === 'Live' ? 'ok' : state === 'Stopped' ? 'bad' : 'muted'}`} data-testid="tail-state">{state}</span>
        <button type="button" class="secondary" onClick={togglePause} disabled={status === 'ended'}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" class="ghost" onClick={() => setLines([])} disabled={!lines.length}>Clear</button>
        {status === 'ended' && <button type="button" onClick={() => setAttempt((n) => n + 1)}>Reconnect</button>}
        <span class="muted" data-testid="tail-counts">
          {count(lines.length)} line{lines.length === 1 ? '' : 's'} shown (last {MAX_LINES} kept)
          {paused && held ? ` · ${count(held)} waiting` : ''}
        </span>
        {dropped > 0 && <span class="pill pill-warn" data-testid="tail-dropped">{count(dropped)} dropped by the server (reading too slowly)</span>}
      </div>
      <ErrorBox error={error} />
      {lines.length ? (
        <LogTable records={lines} re={re} caption="Live log lines, newest first" />
      ) : (
        <p class="muted" aria-live="polite">{status === 'ended' ? 'The tail stopped.' : 'Waiting for new lines that match…'}</p>
      )}
    </>
  );
}
