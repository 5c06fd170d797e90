import { useApi } from '../hooks.js';
import { href } from '../router.js';
import { count, pct } from '../format.js';
import { ErrorBox, Loading, StatusPill } from '../components/status.jsx';

const ERROR_RATE = '/api/v1/metrics/query?expr=' +
  encodeURIComponent('sum by (service) (rate(pharos_log_lines_total{level=~"error|fatal"}[5m])) * 60');

// A check, SLO or alert belongs to the service its `service` label names; a check without
// one is its own service, so nothing is hidden.
const serviceOf = (labels, fallback) => labels?.service ?? fallback ?? '(none)';

export function groupByService({ checks = [], slos = [], alerts = [], errorRates = [] }) {
  const services = new Map();
  const get = (name) => {
    if (!services.has(name)) services.set(name, { name, checks: [], slos: [], alerts: [], errorsPerMin: null });
    return services.get(name);
  };
  for (const c of checks) get(serviceOf(c.labels, c.name)).checks.push(c);
  for (const s of slos) get(serviceOf(s.spec?.labels ?? s.labels, s.spec?.service ?? s.name)).slos.push(s);
  for (const a of alerts) if (a.state === 'firing') get(serviceOf(a.labels, a.labels?.alertname ?? a.rule)).alerts.push(a);
  for (const r of errorRates) {
    const name = r.metric?.service;
    if (name && services.has(name)) services.get(name).errorsPerMin = Number(r.value?.[1]);
  }
  for (const s of services.values()) {
    s.down = s.checks.filter((c) => c.state?.status === 'down').length;
    s.up = s.checks.filter((c) => c.state?.status === 'up').length;
    s.budget = s.slos.length ? Math.min(...s.slos.map((x) => x.budget?.remaining_ratio ?? 1)) : null;
    // What needs attention first: down checks, firing alerts, spent budgets, error logs.
    s.attention = s.down * 1000 + s.alerts.length * 500 + (s.budget !== null && s.budget <= 0 ? 300 : 0) +
      (s.budget !== null ? (1 - Math.max(0, Math.min(1, s.budget))) * 100 : 0) + Math.min(99, s.errorsPerMin ?? 0);
  }
  return [...services.values()].sort((a, b) => b.attention - a.attention || a.name.localeCompare(b.name));
}

function ServiceRow({ s }) {
  const status = s.down ? 'down' : s.alerts.length ? 'firing' : s.checks.length ? 'up' : 'unknown';
  return (
    <tr class={status === 'down' || status === 'firing' ? 'attention' : undefined}>
      <th scope="row">{s.name}</th>
      <td><StatusPill status={status} /></td>
      <td>
        {s.checks.length === 0 ? <span class="muted">–</span> : (
          <a href={href('/checks', { service: s.name })}>
            {s.up}/{s.checks.length} up{s.down ? `, ${s.down} down` : ''}
          </a>
        )}
      </td>
      <td>
        {s.budget === null ? <span class="muted">–</span> : (
          <a href={href('/slos', { service: s.name })} class={s.budget <= 0 ? 'bad' : s.budget < 0.25 ? 'warn' : ''}>
            {pct(s.budget, 1)} left
          </a>
        )}
      </td>
      <td>{s.alerts.length ? <a href={href('/alerts')} class="bad">{s.alerts.length} firing</a> : <span class="muted">0</span>}</td>
      <td>{s.errorsPerMin === null ? <span class="muted">–</span> : <a href={href('/logs', { q: `service:${s.name} level>=error` })}>{s.errorsPerMin.toFixed(1)}/min</a>}</td>
    </tr>
  );
}

export function Overview() {
  const checks = useApi('/api/v1/checks', { refreshMs: 10000 });
  const slos = useApi('/api/v1/slos', { refreshMs: 30000 });
  const alerts = useApi('/api/v1/alerts', { refreshMs: 10000 });
  const errors = useApi(ERROR_RATE, { refreshMs: 30000 });
  if (checks.loading && !checks.data) return <Loading what="Loading services" />;
  const services = groupByService({
    checks: checks.data?.checks,
    slos: slos.data?.slos,
    alerts: alerts.data?.data,
    errorRates: errors.data?.data?.result,
  });
  const down = services.reduce((n, s) => n + s.down, 0);
  const firing = services.reduce((n, s) => n + s.alerts.length, 0);
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <ErrorBox error={checks.error ?? slos.error ?? alerts.error} />
      <p class="summary" data-testid="overview-summary">
        {count(services.length)} services · <span class={down ? 'bad' : ''}>{count(down)} checks down</span> ·{' '}
        <span class={firing ? 'bad' : ''}>{count(firing)} alerts firing</span>
      </p>
      <div class="table-wrap">
        <table class="services">
          <caption class="sr-only">Services, what needs attention first</caption>
          <thead>
            <tr><th scope="col">Service</th><th scope="col">State</th><th scope="col">Checks</th><th scope="col">SLO budget</th><th scope="col">Alerts</th><th scope="col">Error logs</th></tr>
          </thead>
          <tbody>{services.map((s) => <ServiceRow key={s.name} s={s} />)}</tbody>
        </table>
      </div>
    </section>
  );
}
