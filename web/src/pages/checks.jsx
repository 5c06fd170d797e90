// Checks: every health check as a grid of cards or a list, filtered by a label selector,
// free text on the name and the state. Latency sparklines come from ONE query_range call for
// all checks and the 90-day bars from ONE call to /reports/uptime/daily; only a page of
// checks is drawn at a time, so a thousand checks stay fast.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Component } from 'preact';
import { useApi } from '../hooks.js';
import { q } from '../api.js';
import { href, setParams } from '../router.js';
import { count, ms } from '../format.js';

// Latency with sub-millisecond digits (loopback and LAN checks answer in well under 1 ms).
export const latency = (v) => (v === null || v === undefined ? '–' : v < 10 ? `${v.toFixed(2)} ms` : ms(v));
import { can } from '../components/layout.jsx';
import { ErrorBox, Loading, StatusPill } from '../components/status.jsx';
import { Sparkline } from '../components/sparkline.jsx';
import { CheckDetail } from './check_detail.jsx';
import { CheckForm } from './check_form.jsx';

const PAGE = 60;

// A component that re-renders only when a prop changed (preact/compat's memo, without
// pulling in the rest of compat).
function memo(Inner) {
  return class Memo extends Component {
    shouldComponentUpdate(next) {
      for (const k in next) if (next[k] !== this.props[k]) return true;
      for (const k in this.props) if (!(k in next)) return true;
      return false;
    }
    render(props) {
      return <Inner {...props} />;
    }
  };
}
const SPARK_RANGE = 3600; // one hour of latency per sparkline
const SPARK_STEP = 60;

// `team=web, env!=dev, name=~"shop.*"` (quotes optional) -> [{name, op, value}]. Returns
// null when the text does not parse, so the page can say so instead of hiding everything.
export function parseSelector(text) {
  const src = (text ?? '').trim().replace(/^\{/, '').replace(/\}$/, '').trim();
  if (!src) return [];
  const out = [];
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^,\s"']*))\s*(?:,|$)/y;
  let at = 0;
  while (at < src.length) {
    re.lastIndex = at;
    const m = re.exec(src);
    if (!m || m[0] === '') return null;
    out.push({ name: m[1], op: m[2], value: m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[4] ?? m[5] ?? '' });
    at = re.lastIndex;
  }
  return out;
}

// The same matchers written as the API wants them (`{team="web",env!="dev"}`).
export function selectorText(matchers) {
  if (!matchers?.length) return '';
  return '{' + matchers.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`).join(',') + '}';
}

function matcherFn(m) {
  if (m.op === '=~' || m.op === '!~') {
    let re;
    try {
      re = new RegExp(`^(?:${m.value})$`);
    } catch {
      return () => false;
    }
    return (v) => re.test(v) === (m.op === '=~');
  }
  return (v) => (v === m.value) === (m.op === '=');
}

export function labelsMatch(labels, matchers) {
  return matchers.every((m) => matcherFn(m)(labels?.[m.name] ?? ''));
}

// The state a person cares about: a paused check is paused, whatever it last saw.
export const stateOf = (c) => (c.paused ? 'paused' : c.state?.status ?? 'unknown');

export const labelList = (labels) =>
  Object.entries(labels ?? {}).map(([k, v]) => (
    <span key={k} class="label-chip">{k}={v}</span>
  ));

// Days of the /reports/uptime/daily answer as UptimeBars wants them.
export function dayBars(firstDay, ratios) {
  const start = Date.parse(firstDay);
  return (ratios ?? []).map((uptime, i) => ({
    label: new Date(start + i * 86400000).toISOString().slice(0, 10),
    uptime,
  }));
}

// 90 daily bars drawn as one path per tone (4 nodes, not 180), for the list of many checks;
// the detail page has the full bars with a tooltip per day. The label says the same in words.
const TONES = ['ok', 'warn', 'bad', 'none'];
const toneOf = (u) => (u === null || u === undefined ? 'none' : u >= 0.999 ? 'ok' : u >= 0.99 ? 'warn' : 'bad');
export function CompactBars({ ratios, height = 18, name }) {
  const w = 4;
  const gap = 1;
  const d = { ok: '', warn: '', bad: '', none: '' };
  const n = { ok: 0, warn: 0, bad: 0, none: 0 };
  (ratios ?? []).forEach((u, i) => {
    const t = toneOf(u);
    d[t] += `M${i * (w + gap)} 0h${w}v${height}h-${w}z`;
    n[t] += 1;
  });
  const label = `${name}: 90 days, ${n.ok} fully up, ${n.warn} under 99.9%, ${n.bad} under 99%, ${n.none} without data`;
  return (
    <svg class="bars" width={(ratios?.length ?? 0) * (w + gap)} height={height} role="img" aria-label={label}>
      <title>{label}</title>
      {TONES.map((t) => (d[t] ? <path key={t} d={d[t]} class={`bar-${t}`} /> : null))}
    </svg>
  );
}

const sparkPath = (end) => '/api/v1/metrics/query_range' + q({
  expr: 'max by (check) (pharos_check_duration_seconds) * 1000',
  start: end - SPARK_RANGE,
  end,
  step: SPARK_STEP,
});

// The sparkline query's end moves once a minute, so the browser asks for a fresh hour then
// (and the path stays the same in between, so re-renders do not refetch).
function useMinute() {
  const [end, setEnd] = useState(() => Math.floor(Date.now() / 1000));
  useEffect(() => {
    const t = setInterval(() => setEnd(Math.floor(Date.now() / 1000)), SPARK_STEP * 1000);
    return () => clearInterval(t);
  }, []);
  return end;
}

function Filters({ params, view }) {
  const set = (k, v) => {
    const next = Object.fromEntries(params.entries());
    next[k] = v;
    delete next.shown;
    setParams(next);
  };
  return (
    <form class="inline filters" role="search" aria-label="Filter checks" onSubmit={(e) => e.preventDefault()}>
      <div>
        <label for="checks-labels">Labels</label>
        <input id="checks-labels" class="mono" placeholder='team=web, env!=dev' value={params.get('labels') ?? ''}
          onInput={(e) => set('labels', e.currentTarget.value)} />
      </div>
      <div>
        <label for="checks-q">Name</label>
        <input id="checks-q" type="search" placeholder="contains…" value={params.get('q') ?? ''}
          onInput={(e) => set('q', e.currentTarget.value)} />
      </div>
      <div>
        <label for="checks-status">State</label>
        <select id="checks-status" value={params.get('status') ?? ''} onChange={(e) => set('status', e.currentTarget.value)}>
          <option value="">any</option>
          <option value="down">down</option>
          <option value="up">up</option>
          <option value="unknown">unknown</option>
          <option value="paused">paused</option>
        </select>
      </div>
      {params.get('service') && (
        <div>
          <span class="filter-label">Service</span>
          <button type="button" class="secondary" aria-label={`Service ${params.get('service')}: remove this filter`}
            onClick={() => set('service', '')}>
            {params.get('service')} ✕
          </button>
        </div>
      )}
      <div class="view-toggle" role="group" aria-label="View">
        <button type="button" class={view === 'grid' ? '' : 'secondary'} aria-pressed={view === 'grid'} onClick={() => set('view', 'grid')}>Grid</button>
        <button type="button" class={view === 'list' ? '' : 'secondary'} aria-pressed={view === 'list'} onClick={() => set('view', 'list')}>List</button>
      </div>
    </form>
  );
}

// Memoized: a re-render of the page (a filter keystroke) skips the rows that did not change.
const CheckCard = memo(function CheckCard({ c, spark }) {
  const state = stateOf(c);
  return (
    <li class={`card check-card state-${state}`} data-check={c.name}>
      <div class="row check-card-head">
        <a class="check-name" href={href('/checks/' + encodeURIComponent(c.name))}>{c.name}</a>
        <StatusPill status={state} />
      </div>
      <div class="row muted">
        <span>{c.type}</span>
        <span>{c.state?.last_run ? latency(c.state.last_latency_ms) : '–'}</span>
      </div>
      <Sparkline values={spark ?? []} width={200} height={28} label={`${c.name} latency, last hour`} />
      {state === 'down' && c.state?.last_error && <p class="check-error bad">{c.state.last_error}</p>}
    </li>
  );
});

const CheckRow = memo(function CheckRow({ c, spark, days }) {
  const state = stateOf(c);
  return (
    <tr class={state === 'down' ? 'attention' : undefined} data-check={c.name}>
      <th scope="row"><a href={href('/checks/' + encodeURIComponent(c.name))}>{c.name}</a></th>
      <td><StatusPill status={state} /></td>
      <td class="num">{c.state?.last_run ? latency(c.state.last_latency_ms) : '–'}</td>
      <td><Sparkline values={spark ?? []} width={120} height={22} label={`${c.name} latency, last hour`} /></td>
      <td class="hide-narrow">
        {days ? <CompactBars ratios={days} name={c.name} /> : <span class="muted">–</span>}
      </td>
      <td class="hide-narrow">{labelList(c.labels)}</td>
    </tr>
  );
});

function CheckList({ route, whoami }) {
  const { params } = route;
  const view = params.get('view') === 'list' ? 'list' : 'grid';
  const shown = Math.max(PAGE, Number(params.get('shown')) || PAGE);
  const checks = useApi('/api/v1/checks', { refreshMs: 15000 });
  const daily = useApi(view === 'list' ? '/api/v1/reports/uptime/daily?days=90' : null, { refreshMs: 300000 });
  const sparkEnd = useMinute();
  const spark = useApi(sparkPath(sparkEnd));

  const sparkBy = useMemo(() => {
    const byCheck = new Map();
    const result = spark.data?.data?.result ?? [];
    const start = sparkEnd - SPARK_RANGE;
    const n = SPARK_RANGE / SPARK_STEP + 1;
    for (const r of result) {
      const values = new Array(n).fill(null);
      for (const [t, v] of r.values ?? []) {
        const i = Math.round((t - start) / SPARK_STEP);
        if (i >= 0 && i < n) values[i] = Number(v);
      }
      byCheck.set(r.metric?.check, values);
    }
    return byCheck;
  }, [spark.data, sparkEnd]);

  const matchers = useMemo(() => parseSelector(params.get('labels')), [params.get('labels')]);
  const text = (params.get('q') ?? '').toLowerCase();
  const status = params.get('status') ?? '';
  const service = params.get('service') ?? '';

  const all = checks.data?.checks ?? [];
  const filtered = useMemo(() => {
    const order = { down: 0, unknown: 1, up: 2, paused: 3 };
    return all
      .filter((c) => (!service || (c.labels?.service ?? c.name) === service) &&
        (!text || c.name.toLowerCase().includes(text)) &&
        (!status || stateOf(c) === status) &&
        (!matchers || labelsMatch(c.labels, matchers)))
      .sort((a, b) => (order[stateOf(a)] ?? 9) - (order[stateOf(b)] ?? 9) || a.name.localeCompare(b.name));
  }, [all, service, text, status, matchers]);

  if (checks.loading && !checks.data) return <Loading what="Loading checks" />;
  const visible = filtered.slice(0, shown);
  const down = all.filter((c) => stateOf(c) === 'down').length;
  return (
    <section aria-labelledby="checks-title">
      <div class="row page-head">
        <h1 id="checks-title">Checks</h1>
        <span class="spacer" />
        <a href={href('/reports')}>Uptime report</a>
        {can(whoami, 'edit') && <a class="button" href={href('/checks/new')}>New check</a>}
      </div>
      <ErrorBox error={checks.error} />
      {matchers === null && <p class="error" role="alert">The label selector does not parse: write it as <code>team=web, env!=dev</code>.</p>}
      <Filters params={params} view={view} />
      <p class="summary" data-testid="checks-summary" aria-live="polite">
        {count(filtered.length)} of {count(all.length)} checks shown · <span class={down ? 'bad' : ''}>{count(down)} down</span>
        {spark.error && <span class="muted"> · latency unavailable ({spark.error.message})</span>}
      </p>
      {filtered.length === 0 ? (
        <p class="muted">No check matches these filters.</p>
      ) : view === 'grid' ? (
        <ul class="cards check-grid" aria-label="Checks">
          {visible.map((c) => <CheckCard key={c.name} c={c} spark={sparkBy.get(c.name)} />)}
        </ul>
      ) : (
        <div class="table-wrap">
          <table class="checks">
            <caption class="sr-only">Checks, down first</caption>
            <thead>
              <tr>
                <th scope="col">Check</th><th scope="col">State</th><th scope="col" class="num">Latency</th>
                <th scope="col">Last hour</th><th scope="col" class="hide-narrow">Uptime, 90 days</th><th scope="col" class="hide-narrow">Labels</th>
              </tr>
            </thead>
            <tbody>
              {visible.map((c) => (
                <CheckRow key={c.name} c={c} spark={sparkBy.get(c.name)} days={daily.data?.checks?.[c.name]} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {filtered.length > shown && (
        <p>
          <button type="button" class="secondary" onClick={() => setParams({ ...Object.fromEntries(params.entries()), shown: String(shown + PAGE * 4) })}>
            Show more ({count(filtered.length - shown)} more)
          </button>
        </p>
      )}
      {daily.error && <ErrorBox error={daily.error} />}
    </section>
  );
}

// #/checks, #/checks/new, #/checks/NAME, #/checks/NAME/edit
export function Checks({ route, whoami }) {
  const [, name, action] = route.parts;
  if (name === 'new' && !action) return <CheckForm whoami={whoami} />;
  if (name && action === 'edit') return <CheckForm name={name} whoami={whoami} />;
  if (name) return <CheckDetail name={name} route={route} whoami={whoami} />;
  return <CheckList route={route} whoami={whoami} />;
}

