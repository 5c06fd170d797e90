// The templates the log miner found (#/logs/patterns?service=&since=): count, first and last
// seen, and a sparkline of each template's line rate from the derived metric
// pharos_log_template_lines_total{service, template_id}. A click searches its lines.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { q } from '../api.js';
import { useApi } from '../hooks.js';
import { href, setParams } from '../router.js';
import { ago, count, time } from '../format.js';
import { ErrorBox, Loading } from '../components/status.jsx';
import { Sparkline } from '../components/sparkline.jsx';
import { TimeRange, describeRange, rangeFromParams, rangeToParams, resolveRange } from '../components/time_range.jsx';
import { quoteValue } from './logs.jsx';

const promString = (v) => `"${String(v).replace(/[\\"]/g, '\\$&')}"`;

// The sparkline query for a range: ~40 points, a rate window no shorter than the step. The
// grid ends exactly at the range's end, so the newest point is "now" and a template seen for
// the first time seconds ago already has a rate.
export function sparklineQuery(service, span) {
  const step = Math.max(15, Math.ceil(span.seconds / 40));
  const window = Math.max(300, step);
  const selector = service ? `{service=${promString(service)}}` : '';
  return {
    step,
    start: span.end - Math.floor((span.end - span.start) / step) * step,
    expr: `sum by (service, template_id) (rate(pharos_log_template_lines_total${selector}[${window}s]))`,
  };
}

// Values aligned on the step grid from start to end (null where a series has no point).
function aligned(values, span, step) {
  const n = Math.floor((span.end - span.start) / step) + 1;
  const out = new Array(n).fill(null);
  for (const [t, v] of values) {
    const i = Math.round((Number(t) - span.start) / step);
    const x = Number(v);
    if (i >= 0 && i < n) out[i] = Number.isFinite(x) ? x : null;
  }
  return out;
}

export function LogPatterns({ route }) {
  const params = route.params;
  const service = params.get('service') ?? '';
  const range = rangeFromParams(params);
  const rangeKey = JSON.stringify(range);
  const [draft, setDraft] = useState(service);
  const [draftRange, setDraftRange] = useState(range);
  const [nonce, setNonce] = useState(0);
  useEffect(() => setDraft(service), [service]);
  useEffect(() => setDraftRange(range), [rangeKey]);

  // Resolved once per range (and per refresh), so "now" does not change the path each render.
  const span = useMemo(() => resolveRange(range), [rangeKey, nonce]);
  const spark = span.error ? null : sparklineQuery(service, span);
  const patterns = useApi(span.error ? null : '/api/v1/logs/patterns' + q({ service, start: span.start, end: span.end, limit: 200 }));
  const rates = useApi(spark ? '/api/v1/metrics/query_range' + q({ expr: spark.expr, start: spark.start, end: span.end, step: spark.step }) : null);
  const services = useApi('/api/v1/metrics/label/service/values');

  const series = useMemo(() => {
    const m = new Map();
    for (const r of rates.data?.data?.result ?? []) m.set(`${r.metric.service}\u0000${r.metric.template_id}`, aligned(r.values, { ...span, start: spark.start }, spark.step));
    return m;
  }, [rates.data]);

  const apply = (e) => {
    e?.preventDefault();
    setParams({ service: draft.trim(), ...rangeToParams(draftRange) });
    setNonce((n) => n + 1);
  };
  const changeRange = (r) => {
    setDraftRange(r);
    if (r.preset !== 'custom') setParams({ service: draft.trim(), ...rangeToParams(r) });
  };
  const list = patterns.data?.patterns ?? [];
  const searchRange = rangeToParams(range);

  return (
    <>
      <form class="inline" aria-label="Filter patterns" onSubmit={apply}>
        <div>
          <label for="pattern-service">Service</label>
          <input id="pattern-service" list="pattern-services" value={draft} placeholder="all services"
            autocomplete="off" onInput={(e) => setDraft(e.currentTarget.value)} />
          <datalist id="pattern-services">
            {(services.data?.data ?? []).map((s) => <option key={s} value={s} />)}
          </datalist>
        </div>
        <TimeRange value={draftRange} onChange={changeRange} />
        <div>
          <button type="submit">Show</button>
        </div>
      </form>
      <ErrorBox error={span.error ? { message: span.error } : patterns.error} />
      {patterns.loading && !patterns.data ? <Loading what="Loading patterns" /> : patterns.data && (
        <>
          <p class="muted" data-testid="pattern-summary">
            {count(list.length)} template{list.length === 1 ? '' : 's'}{service ? <> of <strong>{service}</strong></> : ''} · {describeRange(range)}, most frequent first
          </p>
          {rates.error && <p class="notice">Sparklines unavailable: {rates.error.body?.error && typeof rates.error.body.error === 'string' ? rates.error.body.error : rates.error.message}</p>}
          {list.length ? (
            <div class="table-wrap">
              <table class="patterns">
                <caption class="sr-only">Log templates with their line counts</caption>
                <thead>
                  <tr>
                    <th scope="col">Template</th>
                    <th scope="col">Service</th>
                    <th scope="col" class="num">Lines</th>
                    <th scope="col" class="hide-narrow">Rate</th>
                    <th scope="col" class="hide-narrow">First seen</th>
                    <th scope="col">Last seen</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((p) => {
                    const values = series.get(`${p.service}\u0000${p.template_id}`);
                    const query = `template_id:${quoteValue(p.template_id)}${p.service ? ` service:${quoteValue(p.service)}` : ''}`;
                    return (
                      <tr key={`${p.node ?? ''}/${p.service}/${p.template_id}`}>
                        <th scope="row" class="pattern-template">
                          <a href={href('/logs', { q: query, ...searchRange })} title={`Search the lines of template ${p.template_id}`}>
                            <code>{p.template}</code>
                          </a>
                        </th>
                        <td>{p.service || <span class="muted">–</span>}</td>
                        <td class="num">{count(p.count)}</td>
                        <td class="hide-narrow">
                          {values ? <Sparkline values={values} width={120} height={24} label={`lines per second of template ${p.template_id}, up to ${Math.max(0, ...values.filter((v) => v !== null)).toFixed(2)}/s`} />
                            : <span class="muted" title="no rate series yet">–</span>}
                        </td>
                        <td class="hide-narrow" title={p.first_seen}>{time(p.first_seen)}</td>
                        <td title={time(p.last_seen)}>{ago(p.last_seen)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          ) : <p class="muted">No templates in this range{service ? ' for this service' : ''}.</p>}
        </>
      )}
    </>
  );
}
