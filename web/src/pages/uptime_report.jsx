// The calendar uptime report: uptime per check over a UTC day, week, month, quarter or
// year, filtered by labels, with a CSV download (fetched with the key, then saved from a
// Blob: the key never goes into a URL).
import { useMemo } from 'preact/hooks';
import { api, q } from '../api.js';
import { useAction, useApi } from '../hooks.js';
import { href, setParams } from '../router.js';
import { count, duration, pct, time } from '../format.js';
import { ErrorBox, Loading } from '../components/status.jsx';
import { parseSelector, selectorText } from './checks.jsx';

const PERIODS = ['day', 'week', 'month', 'quarter', 'year'];

function download(text, filename) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function UptimeReport({ route }) {
  const { params } = route;
  const period = PERIODS.includes(params.get('period')) ? params.get('period') : 'month';
  const at = params.get('at') ?? '';
  const labelsText = params.get('labels') ?? '';
  const matchers = useMemo(() => parseSelector(labelsText), [labelsText]);
  const query = { period, at: at ? `${at}T12:00:00Z` : undefined, labels: matchers ? selectorText(matchers) : undefined };
  const report = useApi(matchers ? '/api/v1/reports/uptime' + q(query) : null);
  const set = (k, v) => setParams({ ...Object.fromEntries(params.entries()), [k]: v });
  const [saveCsv, csv] = useAction(async () => {
    const text = await api('/api/v1/reports/uptime' + q({ ...query, format: 'csv' }), { text: true });
    const start = report.data?.start?.slice(0, 10) ?? at ?? 'now';
    download(text, `uptime-${period}-${start}.csv`);
  });
  const rows = report.data?.checks ?? [];
  const total = rows.reduce((a, r) => ({ runs: a.runs + (r.runs ?? 0), failed: a.failed + (r.failed_runs ?? 0) }), { runs: 0, failed: 0 });
  return (
    <section aria-labelledby="report-title">
      <h1 id="report-title">Uptime report</h1>
      <form class="inline filters" aria-label="Report options" onSubmit={(e) => e.preventDefault()}>
        <div>
          <label for="report-period">Period</label>
          <select id="report-period" value={period} onChange={(e) => set('period', e.currentTarget.value)}>
            {PERIODS.map((p) => <option key={p} value={p}>{p}</option>)}
          </select>
        </div>
        <div>
          <label for="report-at">Containing the day</label>
          <input id="report-at" type="date" value={at} onChange={(e) => set('at', e.currentTarget.value)} />
        </div>
        <div>
          <label for="report-labels">Labels</label>
          <input id="report-labels" class="mono" placeholder="team=web" value={labelsText} onInput={(e) => set('labels', e.currentTarget.value)} />
        </div>
        <div>
          <button type="button" onClick={() => saveCsv()} disabled={csv.busy || !matchers}>Download CSV</button>
        </div>
      </form>
      {matchers === null && <p class="error" role="alert">The label selector does not parse: write it as <code>team=web, env!=dev</code>.</p>}
      <ErrorBox error={report.error ?? csv.error} />
      {report.loading && !report.data ? <Loading what="Loading the report" /> : report.data && (
        <>
          <p class="summary">
            {report.data.period} from {time(report.data.start)} to {time(report.data.end)} (UTC) · {count(rows.length)} checks ·{' '}
            overall {pct(total.runs ? 1 - total.failed / total.runs : null, 3)} of {count(total.runs)} runs
          </p>
          {rows.length ? (
            <div class="table-wrap">
              <table class="report">
                <caption class="sr-only">Uptime per check over the period</caption>
                <thead>
                  <tr><th scope="col">Check</th><th scope="col" class="num">Uptime</th><th scope="col" class="num">Runs</th>
                    <th scope="col" class="num">Failed</th><th scope="col" class="num hide-narrow">Maintenance</th><th scope="col" class="num">Downtime</th></tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.check}>
                      <th scope="row"><a href={href('/checks/' + encodeURIComponent(r.check))}>{r.check}</a></th>
                      <td class={`num ${r.uptime !== null && r.uptime < 0.99 ? 'bad' : ''}`}>{pct(r.uptime, 3)}</td>
                      <td class="num">{count(r.runs)}</td>
                      <td class="num">{count(r.failed_runs)}</td>
                      <td class="num hide-narrow">{count(r.maintenance_runs)}</td>
                      <td class="num">{r.downtime_seconds ? duration(r.downtime_seconds) : '0s'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : <p class="muted">No check matches, or none ran in this period.</p>}
        </>
      )}
    </section>
  );
}
