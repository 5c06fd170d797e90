// SLOs: each with the error budget left (a gauge and the number), the SLI, the objective,
// the window, the 1-hour burn rate and the time until the budget is gone at that burn.
import { useApi } from '../hooks.js';
import { href, setParams } from '../router.js';
import { count, duration, pct } from '../format.js';
import { ErrorBox, Loading, StatusPill } from '../components/status.jsx';
import { Gauge } from '../components/sparkline.jsx';
import { SloDetail } from './slo_detail.jsx';

// The budget as the pages write it (the e2e test compares it with the API's number).
export const budgetText = (ratio) => pct(ratio, 2);
export const budgetTone = (ratio) => (ratio === null || ratio === undefined ? '' : ratio <= 0 ? 'bad' : ratio < 0.25 ? 'warn' : 'ok');
export const burnText = (b) => (b === null || b === undefined || !Number.isFinite(b) ? '–' : `${b.toFixed(2)}×`);

// An SLO belongs to the service its `service` label names, as on the overview.
const serviceOf = (s) => (s.spec?.labels ?? s.labels)?.service ?? s.spec?.service ?? s.name;

export function sloState(s) {
  if (s.problem) return 'unknown';
  const b = s.budget?.remaining_ratio;
  if (b === null || b === undefined) return 'unknown';
  if (b <= 0) return 'exhausted';
  if (s.burn_rates?.some((r) => r.breaching)) return 'degraded';
  return 'ok';
}

function SloRow({ s }) {
  const b = s.budget ?? {};
  const state = sloState(s);
  return (
    <tr class={state === 'exhausted' ? 'attention' : undefined} data-slo={s.name}>
      <th scope="row">
        <a href={href('/slos/' + encodeURIComponent(s.name))}>{s.name}</a>
        {s.spec?.description && <div class="muted small">{s.spec.description}</div>}
      </th>
      <td><StatusPill status={state} label={state === 'ok' ? 'ok' : state} /></td>
      <td class="budget-cell">
        <Gauge ratio={b.remaining_ratio} size={56} label={`${s.name}: ${budgetText(b.remaining_ratio)} of the error budget left`} />
        <span class={`budget ${budgetTone(b.remaining_ratio)}`} data-testid="slo-budget">{budgetText(b.remaining_ratio)}</span>
      </td>
      <td class="num">{s.sli_percent === null || s.sli_percent === undefined ? '–' : `${s.sli_percent.toFixed(3)}%`}</td>
      <td class="num">{s.objective}%</td>
      <td>{s.window}</td>
      <td class="num hide-narrow">{burnText(b.burn_rate_1h)}</td>
      <td class="num hide-narrow">{b.time_to_exhaustion_seconds === null || b.time_to_exhaustion_seconds === undefined ? (b.overspent ? 'spent' : '–') : duration(b.time_to_exhaustion_seconds)}</td>
      <td class="hide-narrow">{s.problem ? <span class="warn">{s.problem}</span> : <span class="muted">{s.sli}</span>}</td>
    </tr>
  );
}

function SloList({ route }) {
  const slos = useApi('/api/v1/slos', { refreshMs: 30000 });
  const service = route.params.get('service') ?? '';
  const text = (route.params.get('q') ?? '').toLowerCase();
  if (slos.loading && !slos.data) return <Loading what="Loading SLOs" />;
  const all = slos.data?.slos ?? [];
  const shown = all
    .filter((s) => (!service || serviceOf(s) === service) && (!text || s.name.toLowerCase().includes(text)))
    .sort((a, b) => (a.budget?.remaining_ratio ?? 2) - (b.budget?.remaining_ratio ?? 2) || a.name.localeCompare(b.name));
  const spent = all.filter((s) => (s.budget?.remaining_ratio ?? 1) <= 0).length;
  const set = (k, v) => setParams({ ...Object.fromEntries(route.params.entries()), [k]: v });
  return (
    <section aria-labelledby="slos-title">
      <div class="row page-head">
        <h1 id="slos-title">SLOs</h1>
        <span class="spacer" />
        <a href={href('/reports')}>Uptime report</a>
      </div>
      <ErrorBox error={slos.error} />
      <form class="inline filters" role="search" aria-label="Filter SLOs" onSubmit={(e) => e.preventDefault()}>
        <div>
          <label for="slos-q">Name</label>
          <input id="slos-q" type="search" value={route.params.get('q') ?? ''} onInput={(e) => set('q', e.currentTarget.value)} />
        </div>
        {service && (
          <div>
            <span class="filter-label">Service</span>
            <button type="button" class="secondary" aria-label={`Service ${service}: remove this filter`} onClick={() => set('service', '')}>{service} ✕</button>
          </div>
        )}
      </form>
      <p class="summary">
        {count(shown.length)} of {count(all.length)} SLOs shown · <span class={spent ? 'bad' : ''}>{count(spent)} with the budget spent</span>
      </p>
      {shown.length === 0 ? (
        <p class="muted">{all.length ? 'No SLO matches these filters.' : 'No SLO is defined yet (slos: in the config, or POST /api/v1/slos).'}</p>
      ) : (
        <div class="table-wrap">
          <table class="slos">
            <caption class="sr-only">SLOs, least budget left first</caption>
            <thead>
              <tr>
                <th scope="col">SLO</th><th scope="col">State</th><th scope="col">Budget left</th><th scope="col" class="num">SLI</th>
                <th scope="col" class="num">Objective</th><th scope="col">Window</th><th scope="col" class="num hide-narrow">Burn 1h</th>
                <th scope="col" class="num hide-narrow">Exhausted in</th><th scope="col" class="hide-narrow">Problem / SLI</th>
              </tr>
            </thead>
            <tbody>{shown.map((s) => <SloRow key={s.name} s={s} />)}</tbody>
          </table>
        </div>
      )}
    </section>
  );
}

// #/slos, #/slos/NAME
export function Slos({ route, whoami }) {
  const name = route.parts[1];
  return name ? <SloDetail name={name} route={route} whoami={whoami} /> : <SloList route={route} />;
}
