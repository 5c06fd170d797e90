// One check: its definition and state, latency and up/down over a picked range, the last
// failures with their reasons, state changes, uptime over four windows and 90 daily bars.
import { useMemo, useState } from 'preact/hooks';
import { api, q } from '../api.js';
import { useAction, useApi } from '../hooks.js';
import { href, setParams } from '../router.js';
import { ago, duration, pct, time } from '../format.js';
import { can } from '../components/layout.jsx';
import { ErrorBox, Loading, StatusPill } from '../components/status.jsx';
import { UptimeBars } from '../components/sparkline.jsx';
import { TimeChart } from '../components/chart.jsx';
import { dayBars, labelList, latency, stateOf } from './checks.jsx';

const RANGES = { '1h': 3600, '6h': 21600, '24h': 86400, '7d': 604800, '30d': 2592000 };
const WINDOWS = ['24h', '7d', '30d', '90d'];
// What the definition list shows, in this order; anything else the API adds follows.
const FIELDS = ['type', 'url', 'method', 'host', 'port', 'server', 'record', 'expected_status', 'verify_tls', 'max_redirects',
  'interval', 'timeout', 'grace', 'retries', 'failure_threshold', 'success_threshold', 'conditions', 'labels', 'headers', 'body', 'paused'];
const HIDDEN = new Set(['name', 'owner', 'state', 'token', 'heartbeat_url']);

const show = (v) => {
  if (v === null || v === undefined || v === '') return <span class="muted">–</span>;
  if (Array.isArray(v)) return v.length ? <ul class="plain">{v.map((x, i) => <li key={i}><code>{String(x)}</code></li>)}</ul> : <span class="muted">none</span>;
  if (typeof v === 'object') {
    const entries = Object.entries(v);
    return entries.length ? <span>{entries.map(([k, x]) => <span key={k} class="label-chip">{k}={String(x)}</span>)}</span> : <span class="muted">none</span>;
  }
  return <code>{String(v)}</code>;
};

// A query_range matrix on the grid start..end/step, as uPlot wants it (one row of times, one
// of values per series; missing steps are gaps).
function alignSeries(result, start, end, step, label) {
  const n = Math.floor((end - start) / step) + 1;
  const times = Array.from({ length: n }, (_, i) => start + i * step);
  const series = (result ?? []).map((r) => {
    const values = new Array(n).fill(null);
    for (const [t, v] of r.values ?? []) {
      const i = Math.round((t - start) / step);
      if (i >= 0 && i < n) values[i] = Number(v);
    }
    return { label: label(r.metric), values };
  });
  return { times, series };
}

function History({ name, range }) {
  const seconds = RANGES[range] ?? RANGES['1h'];
  // The range is fixed when picked (or when the page loads), not on every render.
  const [end] = useState(() => Math.floor(Date.now() / 1000));
  const step = Math.max(15, Math.ceil(seconds / 240 / 15) * 15);
  const start = end - seconds;
  const sel = `{check=${JSON.stringify(name)}}`;
  const latency = useApi('/api/v1/metrics/query_range' + q({ expr: `max(pharos_check_duration_seconds${sel}) * 1000`, start, end, step }));
  const up = useApi('/api/v1/metrics/query_range' + q({ expr: `min(pharos_check_up${sel})`, start, end, step }));
  const lat = useMemo(() => alignSeries(latency.data?.data?.result, start, end, step, () => 'latency (ms)'), [latency.data]);
  const upData = useMemo(() => alignSeries(up.data?.data?.result, start, end, step, () => 'up (1) / down (0)'), [up.data]);
  return (
    <div class="stack">
      <ErrorBox error={latency.error ?? up.error} />
      {latency.loading && !latency.data ? <Loading what="Loading latency" /> : (
        lat.series.length ? <TimeChart times={lat.times} series={lat.series} height={200} yLabel="ms" title={`Latency, last ${range}`} />
          : <p class="muted">No latency recorded in the last {range}.</p>
      )}
      {up.data && upData.series.length > 0 && <TimeChart times={upData.times} series={upData.series} height={120} title={`Up, last ${range}`} />}
    </div>
  );
}

function Uptimes({ name }) {
  const base = `/api/v1/checks/${encodeURIComponent(name)}/uptime?window=`;
  const w = WINDOWS.map((win) => [win, useApi(base + win, { refreshMs: 60000 })]); // fixed count: hooks stay in order
  return (
    <dl class="uptimes" aria-label="Uptime">
      {w.map(([win, r]) => (
        <div key={win} class="card">
          <dt>{win}</dt>
          <dd data-testid={`uptime-${win}`} class={r.data && r.data.uptime !== null && r.data.uptime < 0.99 ? 'bad' : ''}>
            {r.error ? <span class="bad">error</span> : r.data ? pct(r.data.uptime, 3) : '…'}
          </dd>
          {r.data && <dd class="muted small">{r.data.failed_runs} of {r.data.runs} runs failed{r.data.maintenance_runs ? `, ${r.data.maintenance_runs} in maintenance` : ''}</dd>}
        </div>
      ))}
    </dl>
  );
}

function Actions({ check, whoami, reload }) {
  const path = `/api/v1/checks/${encodeURIComponent(check.name)}`;
  const [run, state] = useAction(async (what) => {
    if (what === 'delete') {
      await api(path, { method: 'DELETE' });
      location.hash = href('/checks');
      return;
    }
    const body = Object.fromEntries(Object.entries(check).filter(([k]) => !HIDDEN.has(k) || k === 'name'));
    body.paused = what === 'pause';
    await api(path, { method: 'PUT', body });
    reload();
  });
  if (!can(whoami, 'edit')) return null;
  if (check.owner === 'config') {
    return <p class="notice">This check is defined in the config file: it is read-only here. Change it in the file and reload the config.</p>;
  }
  return (
    <div class="stack">
      <div class="row">
        <a class="button" href={href(`/checks/${encodeURIComponent(check.name)}/edit`)}>Edit</a>
        <button type="button" class="secondary" disabled={state.busy} onClick={() => run(check.paused ? 'resume' : 'pause')}>
          {check.paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" class="danger" disabled={state.busy}
          onClick={() => confirm(`Delete the check ${check.name}? Its history stays in the metrics.`) && run('delete')}>
          Delete
        </button>
      </div>
      <ErrorBox error={state.error} />
    </div>
  );
}

export function CheckDetail({ name, route, whoami }) {
  const path = `/api/v1/checks/${encodeURIComponent(name)}`;
  const check = useApi(path, { refreshMs: 10000 });
  const range = RANGES[route.params.get('range')] ? route.params.get('range') : '1h';
  // The last failures over the last 30 days, however many runs passed since.
  const since = useMemo(() => Math.floor(Date.now() / 1000) - 30 * 86400, [name]);
  const results = useApi(`${path}/results` + q({ ok: 'false', limit: 15, from: since }), { refreshMs: 30000 });
  const transitions = useApi(`${path}/transitions?limit=20`, { refreshMs: 30000 });
  const daily = useApi('/api/v1/reports/uptime/daily' + q({ days: 90, labels: `check=${JSON.stringify(name)}` }), { refreshMs: 300000 });

  if (check.loading && !check.data) return <Loading what={`Loading ${name}`} />;
  if (check.error && !check.data) {
    return (
      <section>
        <h1>{name}</h1>
        <ErrorBox error={check.error} />
        <p><a href={href('/checks')}>Back to the checks</a></p>
      </section>
    );
  }
  const c = check.data;
  const state = stateOf(c);
  const runs = results.data?.results ?? [];
  const failures = runs.filter((r) => !r.ok);
  const days = daily.data?.checks?.[name];
  const defKeys = [...FIELDS.filter((k) => k in c), ...Object.keys(c).filter((k) => !FIELDS.includes(k) && !HIDDEN.has(k))];
  return (
    <section aria-labelledby="check-title">
      <p class="crumbs"><a href={href('/checks')}>Checks</a> /</p>
      <div class="row page-head">
        <h1 id="check-title">{c.name}</h1>
        <StatusPill status={state} />
        {c.state?.in_maintenance && <StatusPill status="maintenance" />}
        {c.state?.circuit_open && <span class="pill pill-warn">circuit open</span>}
        <span class="muted">owner: {c.owner}</span>
      </div>
      <ErrorBox error={check.error} />
      <Actions check={c} whoami={whoami} reload={check.reload} />

      <div class="cards detail-facts">
        <div class="card">
          <h2>State</h2>
          <dl class="facts">
            <dt>Last run</dt><dd>{c.state?.last_run ? `${time(c.state.last_run)} (${ago(c.state.last_run)})` : 'not yet'}</dd>
            <dt>Last latency</dt><dd>{c.state?.last_run ? latency(c.state.last_latency_ms) : '–'}</dd>
            <dt>Last success</dt><dd>{c.state?.last_ok ? 'the last run' : <span class="bad">not the last run</span>}</dd>
            <dt>In a row</dt><dd>{c.state?.consecutive_failures ? `${c.state.consecutive_failures} failed` : `${c.state?.consecutive_successes ?? 0} good`}</dd>
            {c.state?.last_beat !== undefined && <><dt>Last beat</dt><dd>{c.state.last_beat ? ago(c.state.last_beat) : 'none yet'}</dd></>}
            <dt>Next run</dt><dd>{c.state?.next_run ? time(c.state.next_run) : '–'}</dd>
          </dl>
          {c.state?.last_error && <p class="bad check-error" data-testid="last-error">{c.state.last_error}</p>}
        </div>
        <div class="card">
          <h2>Definition</h2>
          <dl class="facts">
            {defKeys.map((k) => [<dt key={k + 't'}>{k}</dt>, <dd key={k + 'd'}>{k === 'labels' ? labelList(c.labels) : show(c[k])}</dd>])}
          </dl>
        </div>
      </div>

      <h2>Uptime</h2>
      <Uptimes name={name} />
      <div class="card bars-card">
        <h3 class="small-head">Last 90 days (UTC, today last)</h3>
        {days ? <UptimeBars days={dayBars(daily.data.first_day, days)} height={28} label={`${name}: uptime per day, last 90 days`} />
          : daily.error ? <ErrorBox error={daily.error} /> : daily.data ? <p class="muted">No daily uptime for this check yet.</p> : <Loading />}
      </div>

      <div class="row page-head">
        <h2 id="history-title">History</h2>
        <label for="check-range" class="sr-only">Range</label>
        <select id="check-range" value={range} onChange={(e) => setParams({ ...Object.fromEntries(route.params.entries()), range: e.currentTarget.value })}>
          {Object.keys(RANGES).map((r) => <option key={r} value={r}>last {r}</option>)}
        </select>
      </div>
      <History key={range} name={name} range={range} />

      <h2>Last failures</h2>
      <ErrorBox error={results.error} />
      {results.data && (failures.length ? (
        <div class="table-wrap">
          <table class="failures">
            <caption class="sr-only">Failed runs, newest first</caption>
            <thead><tr><th scope="col">At</th><th scope="col">Reason</th><th scope="col" class="num hide-narrow">Latency</th></tr></thead>
            <tbody>
              {failures.map((r) => (
                <tr key={r.at}>
                  <th scope="row" class="when">{time(r.at)}{r.maintenance ? <span class="muted"> (maintenance)</span> : ''}</th>
                  <td class="reason">{r.error || <span class="muted">no reason recorded</span>}</td>
                  <td class="num hide-narrow">{r.latency_ms !== undefined ? latency(r.latency_ms) : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : <p class="muted">No failed run in the last 30 days.</p>)}

      <h2>State changes</h2>
      <ErrorBox error={transitions.error} />
      {transitions.data && (transitions.data.transitions?.length ? (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">State changes, newest first</caption>
            <thead><tr><th scope="col">At</th><th scope="col">Change</th><th scope="col">Reason</th></tr></thead>
            <tbody>
              {transitions.data.transitions.map((t, i) => {
                const next = transitions.data.transitions[i - 1];
                const lasted = next ? (Date.parse(next.at) - Date.parse(t.at)) / 1000 : null;
                return (
                  <tr key={t.at + i}>
                    <th scope="row" class="when">{time(t.at)}</th>
                    <td class="nowrap"><StatusPill status={t.from} /> → <StatusPill status={t.to} />{lasted !== null && <span class="muted"> for {duration(lasted)}</span>}</td>
                    <td class="reason">{t.reason || <span class="muted">–</span>}{t.maintenance ? <span class="muted"> (maintenance)</span> : ''}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : <p class="muted">No state change in the last 30 days.</p>)}
    </section>
  );
}
