// One SLO: the budget left (gauge and number), what the number means, the budget over the
// window, and the burn rates of the multiwindow alerting pairs.
import { useMemo } from 'preact/hooks';
import { useApi } from '../hooks.js';
import { href } from '../router.js';
import { count, duration, time } from '../format.js';
import { ErrorBox, Loading, StatusPill } from '../components/status.jsx';
import { Gauge } from '../components/sparkline.jsx';
import { TimeChart } from '../components/chart.jsx';
import { budgetText, budgetTone, burnText, sloState } from './slos.jsx';

const num = (v, digits = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : Number(v.toFixed(digits)).toLocaleString('en'));

function BudgetChart({ points }) {
  const data = useMemo(() => {
    const times = [];
    const values = [];
    for (const p of points ?? []) {
      const t = Date.parse(p.t);
      if (Number.isNaN(t)) continue;
      times.push(t / 1000);
      values.push(p.remaining_ratio === null || p.remaining_ratio === undefined ? null : p.remaining_ratio * 100);
    }
    return { times, series: [{ label: 'budget left (%)', values }] };
  }, [points]);
  if (!data.times.length) return <p class="muted">No budget history yet.</p>;
  return <TimeChart times={data.times} series={data.series} height={220} title="Error budget left over the window (%)" />;
}

export function SloDetail({ name }) {
  const slo = useApi(`/api/v1/slos/${encodeURIComponent(name)}`, { refreshMs: 30000 });
  if (slo.loading && !slo.data) return <Loading what={`Loading ${name}`} />;
  if (slo.error && !slo.data) {
    return (
      <section>
        <h1>{name}</h1>
        <ErrorBox error={slo.error} />
        <p><a href={href('/slos')}>Back to the SLOs</a></p>
      </section>
    );
  }
  const s = slo.data;
  const b = s.budget ?? {};
  const spec = s.spec ?? {};
  const state = sloState(s);
  const source = spec.check ? `check ${spec.check}` : spec.checks ? `checks ${spec.checks}` : spec.good ? `${spec.good} / ${spec.total}`
    : spec.histogram ? `${spec.histogram} ≤ ${spec.threshold}` : spec.gauge ?? '';
  return (
    <section aria-labelledby="slo-title">
      <p class="crumbs"><a href={href('/slos')}>SLOs</a> /</p>
      <div class="row page-head">
        <h1 id="slo-title">{s.name}</h1>
        <StatusPill status={state} />
        <span class="muted">owner: {s.owner}</span>
      </div>
      {spec.description && <p>{spec.description}</p>}
      <ErrorBox error={slo.error} />
      {s.problem && <p class="notice" role="status"><strong>Problem:</strong> {s.problem}</p>}
      <div class="cards slo-facts">
        <div class="card slo-budget">
          <h2>Error budget left</h2>
          <Gauge ratio={b.remaining_ratio} size={160} label={`${budgetText(b.remaining_ratio)} of the error budget left`} />
          <p class={`budget-big ${budgetTone(b.remaining_ratio)}`} data-testid="slo-budget">{budgetText(b.remaining_ratio)}</p>
          {b.overspent && <p class="bad">Overspent</p>}
        </div>
        <div class="card">
          <h2>Objective</h2>
          <dl class="facts">
            <dt>SLI</dt><dd>{s.sli}: <code>{source}</code></dd>
            <dt>Objective</dt><dd>{s.objective}% over {s.window}</dd>
            <dt>Current SLI</dt><dd>{s.sli_percent === null || s.sli_percent === undefined ? '–' : `${s.sli_percent.toFixed(4)}%`}</dd>
            <dt>Events</dt><dd>{count(s.events?.good)} good of {count(s.events?.total)} ({count(s.events?.bad)} bad)</dd>
            <dt>Allowed bad</dt><dd>{num(b.allowed_bad_events)}</dd>
            <dt>Budget used</dt><dd>{b.consumed_ratio === null || b.consumed_ratio === undefined ? '–' : `${(b.consumed_ratio * 100).toFixed(1)}%`}</dd>
            <dt>Burn rate (1h)</dt><dd>{burnText(b.burn_rate_1h)}</dd>
            <dt>Exhausted in</dt><dd>{b.time_to_exhaustion_seconds === null || b.time_to_exhaustion_seconds === undefined ? (b.overspent ? 'already spent' : 'not burning') : duration(b.time_to_exhaustion_seconds)}</dd>
            <dt>Evaluated</dt><dd>{s.evaluated_at ? time(s.evaluated_at) : 'not yet'}</dd>
          </dl>
        </div>
      </div>
      {b.explanation && <p class="explanation" data-testid="slo-explanation">{b.explanation}</p>}

      <h2>Budget over time</h2>
      <BudgetChart points={s.budget_over_time?.points} />
      {s.budget_over_time?.step && <p class="muted small">One point per {s.budget_over_time.step}, and the last evaluation.</p>}

      <h2>Burn rates</h2>
      {s.burn_rates?.length ? (
        <div class="table-wrap">
          <table class="burn-rates">
            <caption class="sr-only">Burn rates per alerting window pair</caption>
            <thead>
              <tr><th scope="col">Windows (long / short)</th><th scope="col" class="num">Threshold</th><th scope="col" class="num">Long burn</th>
                <th scope="col" class="num">Short burn</th><th scope="col">Severity</th><th scope="col">State</th></tr>
            </thead>
            <tbody>
              {s.burn_rates.map((r) => (
                <tr key={r.long_window + r.short_window}>
                  <th scope="row">{r.long_window} / {r.short_window}</th>
                  <td class="num">{burnText(r.factor)}</td>
                  <td class={`num ${r.long_burn >= r.factor ? 'bad' : ''}`}>{burnText(r.long_burn)}</td>
                  <td class={`num ${r.short_burn >= r.factor ? 'bad' : ''}`}>{burnText(r.short_burn)}</td>
                  <td>{r.severity}</td>
                  <td>{r.breaching ? <StatusPill status="firing" label="breaching" /> : <StatusPill status="ok" label="below" />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : <p class="muted">No burn rate yet (not evaluated).</p>}
      <p class="muted small">
        A burn rate of 1× spends the budget exactly over the window; an alert pair breaches when both its long and short windows burn
        faster than its threshold.
      </p>
    </section>
  );
}
