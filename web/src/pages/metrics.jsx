// Metrics explorer (#/metrics?expr=…&range=1h): a PromQL expression (docs/PROMQL.md) drawn
// over a range by query_range, with its current values from an instant query. The API
// answers in Prometheus' JSON, errors included ({"status":"error","error":"1:8: …"}).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, q } from '../api.js';
import { useApi } from '../hooks.js';
import { setParams } from '../router.js';
import { count, duration } from '../format.js';
import { ErrorBox, Loading } from '../components/status.jsx';
import { TimeChart } from '../components/chart.jsx';
import { ErrorCaret } from './logs.jsx';
import { TimeRange, describeRange, rangeFromParams, rangeToParams, resolveRange } from '../components/time_range.jsx';

const RANGE_KEY = 'range';

export const EXAMPLES = [
  ['Uptime', 'pharos_uptime_seconds'],
  ['HTTP requests/s', 'rate(pharos_http_requests_total[5m])'],
  ['Log lines/s by level', 'sum by (service, level) (rate(pharos_log_lines_total[5m]))'],
  ['Log error ratio', 'pharos_log_error_ratio'],
  ['Stored series', 'pharos_metrics_series'],
  ['Probes/s', 'sum(rate(pharos_health_probes_total[5m]))'],
];

// A step that gives about 250 points, rounded to a readable duration.
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
export const autoStep = (seconds) => STEPS.find((s) => s >= seconds / 250) ?? Math.ceil(seconds / 250);

// Prometheus-style errors carry the message in `error` (a string); the rest in error.message.
export const promError = (e) => (e ? { message: typeof e.body?.error === 'string' ? e.body.error : e.message } : null);

const labelText = (labels) => Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(', ');

// Series names without what all of them share: `{code="200"}` rather than the whole set;
// the shared labels are shown once, above the chart.
export function compactLabels(metrics) {
  const common = {};
  if (metrics.length > 1) {
    for (const [k, v] of Object.entries(metrics[0])) if (metrics.every((m) => m[k] === v)) common[k] = v;
  }
  const names = metrics.map((m) => {
    const name = common.__name__ === undefined ? m.__name__ ?? '' : '';
    const rest = Object.fromEntries(Object.entries(m).filter(([k]) => k !== '__name__' && !(k in common)));
    const body = labelText(rest);
    return name + (body ? `{${body}}` : name ? '' : '{}');
  });
  return { names, common };
}

// A matrix result -> TimeChart's {times, series}: the union of timestamps, values aligned.
export function toChart(result) {
  const stamps = new Set();
  for (const r of result) for (const [t] of r.values ?? []) stamps.add(Number(t));
  const times = [...stamps].sort((a, b) => a - b);
  const at = new Map(times.map((t, i) => [t, i]));
  const { names, common } = compactLabels(result.map((r) => r.metric ?? {}));
  const series = result.map((r, i) => {
    const values = new Array(times.length).fill(null);
    for (const [t, v] of r.values ?? []) {
      const x = Number(v);
      values[at.get(Number(t))] = Number.isFinite(x) ? x : null;
    }
    return { label: names[i], values };
  });
  return { times, series, common };
}

const fmtValue = (v) => {
  const x = Number(v);
  if (!Number.isFinite(x)) return String(v);
  return Math.abs(x) >= 1e6 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(3) : String(Math.round(x * 1e4) / 1e4);
};

function InstantTable({ data }) {
  if (!data) return null;
  const { resultType, result } = data;
  if (resultType === 'scalar' || resultType === 'string') {
    return <p>Value: <strong class="mono">{fmtValue(result[1])}</strong></p>;
  }
  if (!result.length) return <p class="muted">No series have a value at the end of the range.</p>;
  return (
    <div class="table-wrap">
      <table class="instant">
        <caption class="sr-only">Values at the end of the range</caption>
        <thead><tr><th scope="col">Series</th><th scope="col" class="num">Value</th></tr></thead>
        <tbody>
          {result.map((r, i) => (
            <tr key={i}>
              <th scope="row" class="mono series-name">
                {r.metric.__name__ ?? ''}{`{${labelText(Object.fromEntries(Object.entries(r.metric).filter(([k]) => k !== '__name__')))}}`}
              </th>
              <td class="num mono">{fmtValue(r.value?.[1])}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Metrics({ route }) {
  const params = route.params;
  const expr = params.get('expr') ?? '';
  const range = rangeFromParams(params, RANGE_KEY);
  const rangeKey = JSON.stringify(range);
  const [draft, setDraft] = useState(expr);
  const [draftRange, setDraftRange] = useState(range);
  const [metric, setMetric] = useState('');
  const [run, setRun] = useState(0);
  const [state, setState] = useState({ loading: false, error: null, matrix: null, instant: null });
  const box = useRef(null);
  useEffect(() => setDraft(expr), [expr]);
  useEffect(() => setDraftRange(range), [rangeKey]);
  const names = useApi('/api/v1/metrics/label/__name__/values');

  useEffect(() => {
    if (!expr.trim()) {
      setState({ loading: false, error: null, matrix: null, instant: null });
      return undefined;
    }
    const span = resolveRange(range);
    if (span.error) {
      setState({ loading: false, error: { message: span.error }, matrix: null, instant: null });
      return undefined;
    }
    const c = new AbortController();
    const step = autoStep(span.seconds);
    setState((s) => ({ ...s, loading: true, error: null }));
    Promise.all([
      api('/api/v1/metrics/query_range' + q({ expr, start: span.start, end: span.end, step }), { signal: c.signal }),
      api('/api/v1/metrics/query' + q({ expr, time: span.end }), { signal: c.signal }),
    ]).then(
      ([matrix, instant]) => !c.signal.aborted && setState({ loading: false, error: null, matrix, instant, step, span }),
      (error) => !c.signal.aborted && setState({ loading: false, error: promError(error), matrix: null, instant: null }));
    return () => c.abort();
  }, [expr, rangeKey, run]);

  const chart = useMemo(() => (state.matrix?.data?.resultType === 'matrix' ? toChart(state.matrix.data.result) : null), [state.matrix]);
  const warnings = [...(state.matrix?.warnings ?? []), ...(state.instant?.warnings ?? [])];

  const execute = (text = draft, r = draftRange) => {
    setParams({ expr: text.trim(), ...rangeToParams(r, RANGE_KEY) });
    setRun((n) => n + 1);
  };
  const insertMetric = (e) => {
    e.preventDefault();
    if (!metric) return;
    const area = box.current;
    const at = area ? area.selectionStart ?? draft.length : draft.length;
    const end = area ? area.selectionEnd ?? at : at;
    const next = draft.slice(0, at) + metric + draft.slice(end);
    setDraft(next);
    setMetric('');
    requestAnimationFrame(() => {
      area?.focus();
      area?.setSelectionRange(at + metric.length, at + metric.length);
    });
  };

  return (
    <section aria-labelledby="metrics-title" class="metrics-page">
      <h1 id="metrics-title">Metrics explorer</h1>
      <form class="stack metrics-form" aria-label="Query metrics" onSubmit={(e) => { e.preventDefault(); execute(); }}>
        <div class="stack tight">
          <label for="metrics-expr">Expression (PromQL)</label>
          <textarea id="metrics-expr" ref={box} class="mono" rows={3} value={draft} spellcheck={false} aria-describedby="metrics-help"
            placeholder='sum by (service, level) (rate(pharos_log_lines_total[5m]))'
            onInput={(e) => setDraft(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                execute();
              }
            }} />
          <span id="metrics-help" class="muted small">Ctrl+Enter runs the query. The language is the PromQL subset of docs/PROMQL.md.</span>
        </div>
        <div class="inline-row">
          <TimeRange value={draftRange} onChange={(r) => {
            setDraftRange(r);
            if (r.preset !== 'custom' && expr) execute(draft, r);
          }} />
          <div>
            <button type="submit">Run</button>
          </div>
          <div class="metric-insert">
            <label for="metric-name">Metric name</label>
            <div class="row">
              <input id="metric-name" list="metric-names" value={metric} autocomplete="off" placeholder="pharos_…"
                onInput={(e) => setMetric(e.currentTarget.value)}
                onKeyDown={(e) => e.key === 'Enter' && insertMetric(e)} />
              <button type="button" class="secondary" disabled={!metric} onClick={insertMetric}>Insert</button>
            </div>
            <datalist id="metric-names">
              {(names.data?.data ?? []).map((n) => <option key={n} value={n} />)}
            </datalist>
          </div>
        </div>
        <div class="examples">
          <span class="muted small" id="examples-label">Examples</span>
          <div class="row" role="group" aria-labelledby="examples-label">
            {EXAMPLES.map(([label, text]) => (
              <button key={label} type="button" class="ghost small" title={text} onClick={() => {
                setDraft(text);
                execute(text);
              }}>{label}</button>
            ))}
          </div>
        </div>
      </form>

      <ErrorBox error={state.error} />
      {state.error && <ErrorCaret text={expr} message={state.error.message} />}
      {warnings.map((w, i) => <p key={i} class="notice">{w}</p>)}
      {state.loading && <Loading what="Running the query" />}
      {!expr && !state.loading && <p class="muted">Enter an expression, or pick an example, and run it.</p>}
      {chart && !state.error && (
        <div aria-live="polite" class="metrics-result">
          <p class="muted" data-testid="metrics-summary">
            {count(chart.series.length)} series · {describeRange(range)} · step {duration(state.step)}
            {Object.keys(chart.common).length ? <> · shared labels <code>{`{${labelText(chart.common)}}`}</code></> : null}
          </p>
          {chart.series.length ? (
            <div class="card chart-card">
              <TimeChart times={chart.times} series={chart.series} height={300} title={undefined} />
              {chart.series.length > 12 && <p class="muted small">{chart.series.length} series: the legend is hidden; the table below names them.</p>}
            </div>
          ) : <p class="muted">No data in this range.</p>}
          <h2>Values at the end of the range</h2>
          <InstantTable data={state.instant?.data} />
        </div>
      )}
      {state.matrix && state.matrix.data?.resultType !== 'matrix' && !state.error && (
        <>
          <h2>Value</h2>
          <InstantTable data={state.instant?.data} />
        </>
      )}
    </section>
  );
}
