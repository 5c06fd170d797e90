// Logs: search with the query language (docs/LOGQUERY.md), the mined patterns, and a live
// tail (#/logs, #/logs/patterns, #/logs/tail). The query and range live in the URL, so a
// link reproduces the view.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, q } from '../api.js';
import { href, setParams } from '../router.js';
import { count } from '../format.js';
import { ErrorBox, Loading } from '../components/status.jsx';
import { TimeRange, describeRange, rangeFromParams, rangeToParams, resolveRange } from '../components/time_range.jsx';
import { LogPatterns } from './log_patterns.jsx';
import { LogTail } from './log_tail.jsx';

// --- Highlighting: the query's free words and phrases, as the search matches them ---------

const TOKEN = 'A-Za-z0-9_\\u0080-\\uFFFF';
const SPECIAL = ' \t\r\n()":<>=|';

// The positive free-text terms of a query ({text, prefix}): words, phrases and
// `message:` values, not field filters, keywords, negated terms or the stats stage.
export function freeTerms(query) {
  const terms = [];
  const s = query ?? '';
  let i = 0;
  let negate = false;
  const readQuoted = () => {
    let out = '';
    i++; // opening quote
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\')) i++;
      out += s[i++];
    }
    i++; // closing quote
    const prefix = s[i] === '*';
    if (prefix) i++;
    return { text: out, prefix };
  };
  const readWord = () => {
    const start = i;
    while (i < s.length && !SPECIAL.includes(s[i])) i++;
    return s.slice(start, i);
  };
  const skipGroup = () => {
    let depth = 0;
    while (i < s.length) {
      if (s[i] === '"') readQuoted();
      else if (s[i] === '(') (depth++, i++);
      else if (s[i] === ')') {
        i++;
        if (--depth <= 0) return;
      } else i++;
    }
  };
  while (i < s.length) {
    const c = s[i];
    if (' \t\r\n'.includes(c)) i++;
    else if (c === '|') break;
    else if (c === '(' && negate) (skipGroup(), (negate = false));
    else if (c === '(' || c === ')' || c === ':' || c === '<' || c === '>' || c === '=') i++;
    else if (c === '-' && i + 1 < s.length && !' \t\r\n'.includes(s[i + 1])) (negate = true, i++);
    else if (c === '"') {
      const t = readQuoted();
      if (!negate) terms.push(t);
      negate = false;
    } else {
      const word = readWord();
      if (word === 'AND' || word === 'OR') continue;
      if (word === 'NOT') {
        negate = true;
        continue;
      }
      if (s[i] === ':' || s[i] === '<' || s[i] === '>') {
        // A field: skip its operator and value; `message:` values are message text.
        const field = word;
        const colon = s[i] === ':';
        while (s[i] === ':' || s[i] === '<' || s[i] === '>' || s[i] === '=' || s[i] === ' ') i++;
        const value = s[i] === '"' ? readQuoted() : (() => {
          const w = readWord();
          return { text: w.replace(/\*$/, ''), prefix: w.endsWith('*') };
        })();
        if (field === 'message' && colon && !negate) terms.push(value);
        negate = false;
        continue;
      }
      if (!negate && word) terms.push({ text: word.replace(/\*$/, ''), prefix: word.endsWith('*') });
      negate = false;
    }
  }
  return terms;
}

// One case-insensitive RegExp that finds every term the way the search does (whole tokens,
// phrases with any separators, a trailing * as a token prefix), or null.
export function highlighter(query) {
  const parts = [];
  for (const term of freeTerms(query)) {
    const tokens = term.text.match(new RegExp(`[${TOKEN}]+`, 'g'));
    if (!tokens) continue;
    const prefix = term.prefix && new RegExp(`[${TOKEN}]$`).test(term.text);
    parts.push(`(?<![${TOKEN}])${tokens.join(`[^${TOKEN}]+`)}${prefix ? `[${TOKEN}]*` : ''}(?![${TOKEN}])`);
  }
  return parts.length ? new RegExp(parts.join('|'), 'gi') : null;
}

// Text with the matches in <mark>; Preact escapes the text (never innerHTML).
export function Highlight({ text, re }) {
  const value = String(text ?? '');
  if (!re || !value) return value;
  const out = [];
  let at = 0;
  for (const m of value.matchAll(re)) {
    if (!m[0]) continue;
    if (m.index > at) out.push(value.slice(at, m.index));
    out.push(<mark key={m.index}>{m[0]}</mark>);
    at = m.index + m[0].length;
  }
  if (at < value.length) out.push(value.slice(at));
  return out;
}

// --- Shared bits ------------------------------------------------------------------------

// Under a query error that names a (1-based, byte) column, the query with a caret there.
export function ErrorCaret({ text, message }) {
  const col = Number(/column (\d+)/.exec(message ?? '')?.[1] ?? /^\d+:(\d+):/.exec(message ?? '')?.[1]);
  if (!text || !col || text.includes('\n')) return null;
  const bytes = new TextEncoder().encode(text);
  const at = new TextDecoder().decode(bytes.slice(0, col - 1)).length;
  if (at > text.length) return null;
  return <pre class="error-caret" aria-hidden="true">{text}{'\n'}<span class="bad">{' '.repeat(at)}^</span></pre>;
}

const LEVEL_TONE = { fatal: 'bad', error: 'bad', warn: 'warn', info: 'info', debug: 'muted', trace: 'muted', unknown: 'muted' };

export function LevelPill({ level }) {
  const name = level || 'unknown';
  return <span class={`pill pill-${LEVEL_TONE[name] ?? 'muted'} level`}>{name}</span>;
}

// '2026-12-05T10:06:03.616002171Z' -> '2026-12-05 10:06:03.616' (UTC).
export function logTime(ts) {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d{1,3})\d*)?Z$/.exec(ts ?? '');
  return m ? `${m[1]} ${m[2]}.${(m[3] ?? '').padEnd(3, '0')}` : ts ?? '–';
}

// A value as it must be written after `field:` in a query.
export const quoteValue = (v) => (/^[A-Za-z0-9_.\-/@]+$/.test(v) ? v : `"${String(v).replace(/[\\"]/g, '\\$&')}"`);

export function LogTabs({ current, params }) {
  const keep = {};
  for (const k of ['q', 'since', 'from', 'to']) if (params?.get(k)) keep[k] = params.get(k);
  const tabs = [['', 'Search'], ['patterns', 'Patterns'], ['tail', 'Live tail']];
  return (
    <nav class="tabs" aria-label="Logs views">
      {tabs.map(([sub, label]) => (
        <a key={sub} href={href('/logs' + (sub ? '/' + sub : ''), sub === 'patterns' ? { since: keep.since, from: keep.from, to: keep.to } : sub === 'tail' ? { q: keep.q } : keep)}
          aria-current={current === sub ? 'page' : undefined}>{label}</a>
      ))}
    </nav>
  );
}

// --- Search -----------------------------------------------------------------------------

function Attributes({ record }) {
  const fields = [
    ['timestamp', record.timestamp],
    ['host', record.host],
    ['status', record.status],
    ['latency_ms', record.latency_ms],
    ['trace_id', record.trace_id],
    ['template_id', record.template_id],
  ].filter(([, v]) => v !== undefined && v !== null && v !== '');
  const attrs = Object.entries(record.attributes ?? {});
  return (
    <dl class="log-attrs">
      {fields.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>
            {k === 'trace_id' || k === 'template_id'
              ? <a href={href('/logs', { q: `${k}:${quoteValue(String(v))}`, since: '7d' })} title={`Search lines with this ${k}`}>{String(v)}</a>
              : <code>{String(v)}</code>}
          </dd>
        </div>
      ))}
      {attrs.map(([k, v]) => (
        <div key={'a.' + k}>
          <dt>{k}</dt>
          <dd><code>{typeof v === 'string' ? v : JSON.stringify(v)}</code></dd>
        </div>
      ))}
      {!fields.length && !attrs.length && <p class="muted">No attributes.</p>}
    </dl>
  );
}

function LogRow({ record, re, index }) {
  const [open, setOpen] = useState(false);
  const detail = `log-detail-${index}`;
  return (
    <>
      <tr class={`log-row${open ? ' open' : ''}`}>
        <td class="log-toggle">
          <button type="button" class="ghost" aria-expanded={open ? 'true' : 'false'} aria-controls={open ? detail : undefined}
            aria-label={open ? 'Hide details' : 'Show details'} onClick={() => setOpen(!open)}>
            {open ? '▾' : '▸'}
          </button>
        </td>
        <td class="log-time mono" title={record.timestamp}>
          {logTime(record.timestamp)}
          {record.service ? <span class="log-service-narrow">{record.service}</span> : null}
        </td>
        <td class="log-service">{record.service || <span class="muted">–</span>}</td>
        <td><LevelPill level={record.level} /></td>
        <td class="log-message mono"><Highlight text={record.message} re={re} /></td>
      </tr>
      {open && (
        <tr class="log-detail" id={detail}>
          <td colSpan={5}><Attributes record={record} /></td>
        </tr>
      )}
    </>
  );
}

export function LogTable({ records, re, caption }) {
  return (
    <div class="table-wrap">
      <table class="logs">
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col"><span class="sr-only">Details</span></th>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Service</th>
            <th scope="col">Level</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          {records.map((r, i) => <LogRow key={r._key ?? `${r.timestamp}-${i}`} record={r} re={re} index={r._key ?? i} />)}
        </tbody>
      </table>
    </div>
  );
}

// The by-fields of a stats stage, in the query's order: `… | stats count() by (a, b)`.
export const statsFields = (canonical) =>
  (/\|\s*stats\s+count\s*\(\s*\)\s*by\s*\(([^)]*)\)\s*$/.exec(canonical ?? '')?.[1] ?? '').split(',').map((f) => f.trim()).filter(Boolean);

function StatsTable({ rows, by }) {
  const keys = [...by];
  for (const row of rows) for (const k of Object.keys(row)) if (k !== 'count' && k !== 'other' && !keys.includes(k)) keys.push(k);
  const total = rows.reduce((n, r) => n + (r.count ?? 0), 0) || 1;
  return (
    <div class="table-wrap">
      <table class="log-stats">
        <caption class="sr-only">Matching lines counted by {keys.join(', ') || 'nothing'}</caption>
        <thead>
          <tr>
            {keys.map((k) => <th key={k} scope="col">{k}</th>)}
            <th scope="col" class="num">count</th>
            <th scope="col" class="hide-narrow"><span class="sr-only">Share</span></th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {row.other ? <td colSpan={Math.max(1, keys.length)} class="muted">(all other combinations)</td>
                : keys.map((k) => <td key={k}>{row[k] === null || row[k] === undefined ? <span class="muted">(none)</span> : k === 'level' ? <LevelPill level={row[k]} /> : String(row[k])}</td>)}
              <td class="num">{count(row.count)}</td>
              <td class="hide-narrow share"><span class="share-bar" style={{ width: `${Math.max(1, (row.count / total) * 100)}%` }} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LogSearch({ route }) {
  const params = route.params;
  const query = params.get('q') ?? '';
  const range = rangeFromParams(params);
  const rangeKey = JSON.stringify(range);
  const [draft, setDraft] = useState(query);
  const [draftRange, setDraftRange] = useState(range);
  const [run, setRun] = useState(0);
  const [state, setState] = useState({ loading: true, records: [], stats: null, cursor: null, error: null });
  const spanRef = useRef(null);
  const controller = useRef(null);

  // The URL is the truth: a new query or range there (a link, back/forward) runs it.
  useEffect(() => setDraft(query), [query]);
  useEffect(() => setDraftRange(range), [rangeKey]);

  const load = async (cursor) => {
    controller.current?.abort();
    const c = new AbortController();
    controller.current = c;
    const span = spanRef.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    try {
      const out = await api('/api/v1/logs/query' + q({ query, start: span.start, end: span.end, limit: 100, cursor }), { signal: c.signal });
      if (c.signal.aborted) return;
      setState((s) => ({
        loading: false,
        error: null,
        canonical: out.query,
        stats: out.stats ?? null,
        records: cursor ? [...s.records, ...(out.records ?? [])] : out.records ?? [],
        cursor: out.next_cursor ?? null,
        scanned: (cursor ? s.scanned ?? 0 : 0) + (out.scanned ?? 0),
        partial: !!out.partial,
      }));
    } catch (error) {
      if (!c.signal.aborted) setState((s) => ({ ...s, loading: false, error, ...(cursor ? {} : { records: [], stats: null, cursor: null }) }));
    }
  };

  useEffect(() => {
    const span = resolveRange(range);
    if (span.error) {
      setState({ loading: false, records: [], stats: null, cursor: null, error: { message: span.error } });
      return undefined;
    }
    // Paging keeps the window the first page used, so "Load more" continues the same list.
    spanRef.current = span;
    load(undefined);
    return () => controller.current?.abort();
  }, [query, rangeKey, run]);

  const re = useMemo(() => highlighter(query), [query]);
  const submit = (e) => {
    e.preventDefault();
    setParams({ q: draft.trim(), ...rangeToParams(draftRange) });
    setRun((n) => n + 1);
  };
  const changeRange = (r) => {
    setDraftRange(r);
    if (r.preset !== 'custom') setParams({ q: draft.trim(), ...rangeToParams(r) });
  };

  return (
    <>
      <form class="inline log-query" role="search" aria-label="Search logs" onSubmit={submit}>
        <div class="grow">
          <label for="log-q">Query</label>
          <input id="log-q" type="search" class="mono" value={draft} placeholder='service:api level>=error "connection refused"'
            spellcheck={false} autocomplete="off" aria-describedby="log-q-help" onInput={(e) => setDraft(e.currentTarget.value)} />
        </div>
        <TimeRange value={draftRange} onChange={changeRange} />
        <div>
          <button type="submit">Search</button>
        </div>
      </form>
      <p id="log-q-help" class="muted small">
        Words, <code>"phrases"</code>, <code>prefix*</code>, <code>field:value</code>, <code>level&gt;=warn</code>, <code>AND</code>/<code>OR</code>/<code>NOT</code>,{' '}
        and <code>| stats count() by (service, level)</code>.
      </p>
      <ErrorBox error={state.error} />
      {state.error?.status === 400 && <ErrorCaret text={query} message={state.error.message} />}
      {state.loading && !state.records.length && !state.stats ? <Loading what="Searching" /> : null}
      {!state.error || state.records.length ? (
        <div aria-live="polite" class="log-results">
          {state.stats ? (
            <>
              <p class="muted" data-testid="log-summary">
                {count(state.stats.length)} rows from {count(state.scanned)} lines scanned · {describeRange(range)}
                {state.canonical ? <> · <code>{state.canonical}</code></> : null}
              </p>
              {state.partial && <p class="notice">The scan limit was reached: these counts cover only part of the range. Narrow the range or the query.</p>}
              {state.stats.length ? <StatsTable rows={state.stats} by={statsFields(state.canonical)} /> : <p class="muted">No lines match.</p>}
            </>
          ) : !state.loading || state.records.length ? (
            <>
              <p class="muted" data-testid="log-summary">
                {count(state.records.length)} line{state.records.length === 1 ? '' : 's'}{state.cursor ? ' so far' : ''}, newest first · {describeRange(range)}
                {state.canonical ? <> · <code>{state.canonical}</code></> : null}
              </p>
              {state.records.length ? <LogTable records={state.records} re={re} caption="Matching log lines, newest first" />
                : !state.error && <p class="muted">No lines match{state.cursor ? ' yet; load more to search further back' : ' in this range'}.</p>}
              {state.cursor && (
                <p>
                  <button type="button" class="secondary" disabled={state.loading} onClick={() => load(state.cursor)}>
                    {state.loading ? 'Loading…' : 'Load more'}
                  </button>
                </p>
              )}
            </>
          ) : null}
        </div>
      ) : null}
    </>
  );
}

export function Logs({ route, whoami }) {
  const sub = route.parts[1] ?? '';
  const View = sub === 'patterns' ? LogPatterns : sub === 'tail' ? LogTail : LogSearch;
  return (
    <section aria-labelledby="logs-title" class="logs-page">
      <h1 id="logs-title">Logs</h1>
      <LogTabs current={sub === 'patterns' || sub === 'tail' ? sub : ''} params={route.params} />
      <View route={route} whoami={whoami} />
    </section>
  );
}
