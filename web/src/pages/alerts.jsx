import { q } from '../api.js';
import { useApi } from '../hooks.js';
import { href, setParams } from '../router.js';
import { ago, time } from '../format.js';
import { can } from '../components/layout.jsx';
import { Pager, usePager } from '../components/pager.jsx';
import { ErrorBox, Loading, StatusPill } from '../components/status.jsx';

// The alerting area's own navigation: the Alerts page's tabs plus Silences and Notifications.
const SECTIONS = [
  ['active', '/alerts', null, 'Firing & pending'],
  ['history', '/alerts', { tab: 'history' }, 'History'],
  ['rules', '/alerts', { tab: 'rules' }, 'Rules'],
  ['silences', '/silences', null, 'Silences'],
  ['notifications', '/notifications', null, 'Notifications'],
];

export function AlertTabs({ current }) {
  return (
    <nav class="tabs" aria-label="Alerting sections">
      {SECTIONS.map(([key, path, params, label]) => (
        <a key={key} href={href(path, params ?? undefined)} aria-current={current === key ? 'page' : undefined}>{label}</a>
      ))}
    </nav>
  );
}

// Labels as `name="value"` chips, sorted, so two alerts compare at a glance.
export function Labels({ labels, skip = [] }) {
  const entries = Object.entries(labels ?? {}).filter(([k]) => !skip.includes(k)).sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) return <span class="muted">–</span>;
  return (
    <ul class="labels" aria-label="labels">
      {entries.map(([k, v]) => <li key={k}><code>{k}="{v}"</code></li>)}
    </ul>
  );
}

const quote = (v) => JSON.stringify(String(v));
// Equality matchers for every label of an alert: a silence made from it hits exactly it.
export const matchersFor = (labels) => Object.entries(labels ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${quote(v)}`);

export const silenceHref = (labels) => href('/silences', { new: '1', matchers: matchersFor(labels).join('\n') });

const stateOrder = { firing: 0, pending: 1, resolved: 2 };

function ActiveAlerts({ whoami }) {
  const { data, error, loading } = useApi('/api/v1/alerts', { refreshMs: 5000 });
  if (loading && !data) return <Loading what="Loading alerts" />;
  const alerts = [...(data?.data ?? [])].sort((a, b) =>
    (stateOrder[a.state] ?? 3) - (stateOrder[b.state] ?? 3) || (b.active_at_ms ?? 0) - (a.active_at_ms ?? 0));
  const firing = alerts.filter((a) => a.state === 'firing').length;
  const pending = alerts.filter((a) => a.state === 'pending').length;
  const editor = can(whoami, 'edit');
  return (
    <>
      <ErrorBox error={error} />
      <p class="summary" data-testid="alerts-summary">
        <span class={firing ? 'bad' : ''}>{firing} firing</span> · <span class={pending ? 'warn' : ''}>{pending} pending</span>
        <span class="muted"> · refreshes every 5 s</span>
      </p>
      {alerts.length === 0 ? <p class="notice">Nothing is firing or pending.</p> : (
        <div class="table-wrap">
          <table class="alerts">
            <caption class="sr-only">Firing, pending and just-resolved alerts</caption>
            <thead>
              <tr>
                <th scope="col">Alert</th><th scope="col">State</th><th scope="col">Labels</th>
                <th scope="col">Since</th><th scope="col" class="num hide-narrow">Value</th>
                {editor && <th scope="col"><span class="sr-only">Actions</span></th>}
              </tr>
            </thead>
            <tbody>
              {alerts.map((a) => {
                const since = a.state === 'firing' ? a.fired_at_ms : a.state === 'resolved' ? a.resolved_at_ms : a.active_at_ms;
                return (
                  <tr key={a.fingerprint} class={a.state === 'firing' ? 'attention' : undefined}>
                    <th scope="row">
                      {a.rule}
                      {a.annotations?.summary && <div class="muted small">{a.annotations.summary}</div>}
                    </th>
                    <td><StatusPill status={a.state} /></td>
                    <td><Labels labels={a.labels} skip={['alertname']} /></td>
                    <td title={time(since)}>{ago(since)}{a.state === 'firing' && a.active_at_ms !== a.fired_at_ms ? <div class="muted small">active {ago(a.active_at_ms)}</div> : null}</td>
                    <td class="num hide-narrow">{a.value ?? '–'}</td>
                    {editor && (
                      <td>
                        {a.state !== 'resolved' && (
                          <a class="button secondary" href={silenceHref(a.labels)} aria-label={`Silence ${a.rule} (${matchersFor(a.labels).join(', ')})`}>Silence…</a>
                        )}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

// Keyed by its filters in Alerts, so a new filter starts again at the newest page.
function History({ route, rules }) {
  const rule = route.params.get('rule') ?? '';
  const state = route.params.get('state') ?? '';
  const pager = usePager();
  const { data, error, loading } = useApi('/api/v1/alerts/history' + q({ rule, state, limit: 50, cursor: pager.cursor }));
  const rows = data?.data ?? [];
  const names = (rules ?? []).map((r) => r.name);
  return (
    <>
      <form class="inline" onSubmit={(e) => e.preventDefault()} aria-label="Filter the history">
        <div>
          <label for="hist-rule">Rule</label>
          <select id="hist-rule" value={rule} onChange={(e) => setParams({ tab: 'history', rule: e.currentTarget.value, state })}>
            <option value="">All rules</option>
            {names.map((n) => <option key={n} value={n}>{n}</option>)}
            {rule && !names.includes(rule) && <option value={rule}>{rule}</option>}
          </select>
        </div>
        <div>
          <label for="hist-state">State</label>
          <select id="hist-state" value={state} onChange={(e) => setParams({ tab: 'history', rule, state: e.currentTarget.value })}>
            <option value="">Any</option>
            {['pending', 'firing', 'resolved', 'ok'].map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </div>
      </form>
      <ErrorBox error={error} />
      {loading && !data ? <Loading what="Loading history" /> : rows.length === 0 ? <p class="muted">No state changes{rule ? ` for ${rule}` : ''}.</p> : (
        <div class="table-wrap">
          <table class="history">
            <caption class="sr-only">Alert state changes, newest first</caption>
            <thead>
              <tr><th scope="col">At</th><th scope="col">Rule</th><th scope="col">Change</th><th scope="col">Labels</th><th scope="col" class="num">Value</th></tr>
            </thead>
            <tbody>
              {rows.map((h) => (
                <tr key={h.id}>
                  <td title={ago(h.at_ms)}>{time(h.at_ms)}</td>
                  <th scope="row">{h.rule}</th>
                  <td><StatusPill status={h.from} /> <span aria-hidden="true">→</span><span class="sr-only">to</span> <StatusPill status={h.to} /></td>
                  <td><Labels labels={h.labels} skip={['alertname']} /></td>
                  <td class="num">{h.value ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager pager={pager} next={data?.next_cursor} />
    </>
  );
}

function Rules({ rules, error, loading }) {
  if (loading && !rules) return <Loading what="Loading rules" />;
  return (
    <>
      <ErrorBox error={error} />
      {!rules?.length ? <p class="muted">No alert rules are configured.</p> : (
        <div class="table-wrap">
          <table class="rules">
            <caption class="sr-only">Alert rules and their last evaluation</caption>
            <thead>
              <tr>
                <th scope="col">Rule</th><th scope="col">Kind</th><th scope="col">Severity</th><th scope="col">State</th>
                <th scope="col">Last evaluation</th><th scope="col" class="num hide-narrow">Took</th><th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {rules.map((r) => (
                <tr key={r.name} class={r.last_error ? 'attention' : undefined}>
                  <th scope="row">
                    <a href={href('/alerts', { tab: 'history', rule: r.name })}>{r.name}</a>
                    <div class="muted small">
                      {r.expr ? <code>{r.expr}{r.op ? ` ${r.op} ${r.value}` : ''}</code> : r.check ? `check ${r.check}` : r.checks ? `checks ${r.checks}` : r.slo ? `SLO ${r.slo}` : null}
                      {r.for && r.for !== '0s' ? ` · for ${r.for}` : ''}{r.interval && r.kind !== 'check' ? ` · every ${r.interval}` : ''}
                    </div>
                  </th>
                  <td>{r.kind}</td>
                  <td>{r.severity ?? '–'}</td>
                  <td>
                    {r.firing ? <StatusPill status="firing" label={`${r.firing} firing`} /> : null}{' '}
                    {r.pending ? <StatusPill status="pending" label={`${r.pending} pending`} /> : null}
                    {!r.firing && !r.pending ? <StatusPill status="ok" label="ok" /> : null}
                  </td>
                  <td title={time(r.last_evaluation_ms)}>{r.last_evaluation_ms ? ago(r.last_evaluation_ms) : 'never'}</td>
                  <td class="num hide-narrow">{r.last_duration_ms === undefined || r.last_duration_ms === null ? '–' : `${r.last_duration_ms} ms`}</td>
                  <td>{r.last_error ? <span class="bad">Error: {r.last_error}</span> : <span class="muted">none</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

export function Alerts({ route, whoami }) {
  const tab = route.params.get('tab') ?? 'active';
  const rules = useApi(tab === 'active' ? null : '/api/v1/rules', { refreshMs: tab === 'rules' ? 15000 : 0 });
  return (
    <section aria-labelledby="alerts-title">
      <h1 id="alerts-title">Alerts</h1>
      <AlertTabs current={tab} />
      {tab === 'history' ? <History key={route.params.get('rule') + '|' + route.params.get('state')} route={route} rules={rules.data?.data} />
        : tab === 'rules' ? <Rules rules={rules.data?.data} error={rules.error} loading={rules.loading} />
          : <ActiveAlerts whoami={whoami} />}
    </section>
  );
}
