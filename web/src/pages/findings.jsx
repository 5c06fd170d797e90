import { q } from '../api.js';
import { useApi } from '../hooks.js';
import { href } from '../router.js';
import { ago, count, pct, time } from '../format.js';
import { Pager, usePager } from '../components/pager.jsx';
import { ErrorBox, Loading } from '../components/status.jsx';

const KIND = {
  metric: 'Metric', new_template: 'New log template', template_rate: 'Log template rate',
  error_share: 'Error share', check_failure: 'Check failure',
};
const KINDS = [['', 'All kinds'], ...Object.entries(KIND)];
export const kindLabel = (k) => KIND[k] ?? String(k ?? '').replace(/_/g, ' ');

// A value in its signal's unit, as the server's summaries write it.
function value(v, unit) {
  if (v === null || v === undefined) return '–';
  if (unit === 'ratio') return pct(v, v < 0.01 ? 2 : 1);
  const n = Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en') : Number(v.toPrecision(3)).toString();
  return unit ? `${n} ${unit}` : n;
}

// How sure and how large, 0..1, as a bar a reader can compare down a column.
function Strength({ value: s }) {
  const p = Math.round((s ?? 0) * 100);
  return (
    <span class="strength" title={`strength ${p}%`}>
      <meter min="0" max="100" low="40" high="70" optimum="0" value={p} aria-label={`strength ${p}%`} />
      <span class="small muted"> {p}%</span>
    </span>
  );
}

// The evidence of a finding (or any list of anomalies): what moved, where, when, how much.
export function AnomalyTable({ events, caption }) {
  return (
    <div class="table-wrap">
      <table class="anomalies">
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Onset</th><th scope="col">Service</th><th scope="col">What moved</th>
            <th scope="col">Baseline → observed</th><th scope="col">Score</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id}>
              <td title={ago(e.start_ms)}>{time(e.start_ms)}</td>
              <td>{e.service || <span class="muted">–</span>}</td>
              <th scope="row">
                <span class="small muted">{kindLabel(e.kind)}</span>
                <div class="mono">{e.template ?? e.signal}</div>
                {e.examples?.length ? (
                  <details class="small">
                    <summary>{e.kind === 'check_failure' ? 'Reason' : e.examples.length === 1 ? 'Example line' : `${e.examples.length} example lines`}</summary>
                    <ul class="mono">{e.examples.map((x, n) => <li key={n}>{x}</li>)}</ul>
                  </details>
                ) : null}
              </th>
              <td>{e.kind === 'new_template' || e.kind === 'check_failure' ? <span class="muted">–</span> : `${value(e.baseline, e.unit)} → ${value(e.observed, e.unit)}`}</td>
              <td>{Math.round((e.score ?? 0) * 100)}%</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FindingDetail({ id }) {
  const { data, error, loading } = useApi(`/api/v1/findings/${encodeURIComponent(id)}`, { refreshMs: 15000 });
  if (loading && !data) return <Loading what="Loading the finding" />;
  if (!data) return <section><h1>Finding</h1><ErrorBox error={error} /><p><a href={href('/findings')}>All findings</a></p></section>;
  const f = data;
  return (
    <section aria-labelledby="finding-title">
      <p class="crumbs"><a href={href('/findings')}>Findings</a> ›</p>
      <h1 id="finding-title">Finding</h1>
      <ErrorBox error={error} />
      <p class="summary">{f.summary}</p>
      <dl class="facts">
        <div><dt>Started</dt><dd title={ago(f.start_ms)}>{time(f.start_ms)}</dd></div>
        <div><dt>Last moved</dt><dd title={ago(f.end_ms)}>{time(f.end_ms)}</dd></div>
        <div><dt>Strength</dt><dd><Strength value={f.strength} /></dd></div>
        <div><dt>Signals</dt><dd>{count(f.events?.length)}{f.dropped_events ? ` (+${count(f.dropped_events)} weaker, not kept)` : ''}</dd></div>
      </dl>
      <h2>Evidence, in the order it moved</h2>
      <AnomalyTable events={f.events ?? []} caption="Anomalies in this finding, earliest onset first" />
    </section>
  );
}

function FindingList() {
  const pager = usePager();
  const { data, error, loading } = useApi('/api/v1/findings' + q({ limit: 50, cursor: pager.cursor }), { refreshMs: pager.cursor ? 0 : 15000 });
  const rows = data?.data ?? [];
  if (loading && !data) return <Loading what="Loading findings" />;
  return (
    <>
      <ErrorBox error={error} />
      {rows.length === 0 ? <p class="muted">No findings: nothing has moved together lately.</p> : (
        <ol class="findings">
          {rows.map((f) => (
            <li key={f.id} class="card">
              <a href={href('/findings/' + encodeURIComponent(f.id))}>{f.summary}</a>
              <div class="small muted">
                <span title={time(f.start_ms)}>{ago(f.start_ms)}</span> · {count(f.events?.length)} signal{f.events?.length === 1 ? '' : 's'} · <Strength value={f.strength} />
              </div>
            </li>
          ))}
        </ol>
      )}
      <Pager pager={pager} next={data?.next_cursor} />
    </>
  );
}

function AnomalyList({ kind }) {
  const pager = usePager();
  const { data, error, loading } = useApi('/api/v1/anomalies' + q({ kind, limit: 50, cursor: pager.cursor }), { refreshMs: pager.cursor ? 0 : 15000 });
  const rows = data?.data ?? [];
  if (loading && !data) return <Loading what="Loading anomalies" />;
  return (
    <>
      <ErrorBox error={error} />
      {rows.length === 0 ? <p class="muted">No anomalies{kind ? ` of this kind` : ''}.</p> : <AnomalyTable events={rows} caption="Anomalies, newest first" />}
      <Pager pager={pager} next={data?.next_cursor} />
    </>
  );
}

// #/findings: anomalies that moved together, each told in a sentence; #/findings/ID one of
// them with its evidence; #/findings?view=anomalies every anomaly, by kind.
export function Findings({ route }) {
  if (route.parts[1]) return <FindingDetail id={route.parts[1]} />;
  const view = route.params.get('view') === 'anomalies' ? 'anomalies' : 'findings';
  const kind = KINDS.some(([k]) => k === route.params.get('kind')) ? route.params.get('kind') : '';
  return (
    <section aria-labelledby="findings-title">
      <h1 id="findings-title">Findings</h1>
      <nav class="tabs" aria-label="Findings or single anomalies">
        <a href={href('/findings')} aria-current={view === 'findings' ? 'page' : undefined}>Findings</a>
        <a href={href('/findings', { view: 'anomalies' })} aria-current={view === 'anomalies' ? 'page' : undefined}>Anomalies</a>
      </nav>
      {view === 'findings' ? <FindingList /> : (
        <>
          <nav class="tabs" aria-label="Anomaly kind">
            {KINDS.map(([k, label]) => <a key={k} href={href('/findings', { view: 'anomalies', kind: k })} aria-current={k === kind ? 'page' : undefined}>{label}</a>)}
          </nav>
          <AnomalyList key={kind} kind={kind} />
        </>
      )}
    </section>
  );
}
