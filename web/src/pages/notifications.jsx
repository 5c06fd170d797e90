import { useState } from 'preact/hooks';
import { api, q } from '../api.js';
import { useAction, useApi } from '../hooks.js';
import { href, setParams } from '../router.js';
import { ago, duration, time } from '../format.js';
import { can } from '../components/layout.jsx';
import { Pager, usePager } from '../components/pager.jsx';
import { ErrorBox, Loading, StatusPill } from '../components/status.jsx';
import { AlertTabs } from './alerts.jsx';

const STATUSES = ['pending', 'delivered', 'dead', 'skipped'];

// Keyed by its filters, so a new filter starts again at the newest page. Pages by `before`
// (the created_at_ms of the last row of the previous page).
function Attempts({ status, receiver, receivers }) {
  const pager = usePager();
  const limit = 50;
  const { data, error, loading } = useApi('/api/v1/notifications' + q({ status, receiver, limit, before: pager.cursor }), { refreshMs: pager.cursor ? 0 : 10000 });
  const rows = data?.data ?? [];
  const last = rows[rows.length - 1];
  return (
    <>
      <form class="inline" onSubmit={(e) => e.preventDefault()} aria-label="Filter notifications">
        <div>
          <label for="notif-status">Status</label>
          <select id="notif-status" value={status} onChange={(e) => setParams({ status: e.currentTarget.value, receiver })}>
            <option value="">Any</option>
            {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </div>
        <div>
          <label for="notif-receiver">Receiver</label>
          <select id="notif-receiver" value={receiver} onChange={(e) => setParams({ status, receiver: e.currentTarget.value })}>
            <option value="">Any</option>
            {receivers.map((r) => <option key={r} value={r}>{r}</option>)}
            {receiver && !receivers.includes(receiver) && <option value={receiver}>{receiver}</option>}
          </select>
        </div>
      </form>
      <ErrorBox error={error} />
      {loading && !data ? <Loading what="Loading notifications" /> : rows.length === 0 ? <p class="muted">No notifications{status ? ` with status ${status}` : ''}.</p> : (
        <div class="table-wrap">
          <table class="notifications">
            <caption class="sr-only">Notifications, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Created</th><th scope="col">Receiver</th><th scope="col">Status</th>
                <th scope="col" class="num hide-narrow">Attempts</th><th scope="col">Last error</th><th scope="col" class="hide-narrow">Group</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((n) => (
                <tr key={n.id} class={n.status === 'dead' ? 'attention' : undefined}>
                  <td><a href={href('/notifications/' + encodeURIComponent(n.id))} aria-label={`Notification ${n.id} to ${n.receiver}, ${n.status}`}>{time(n.created_at)}</a></td>
                  <th scope="row">{n.receiver}</th>
                  <td><StatusPill status={n.status} /></td>
                  <td class="num hide-narrow">{n.attempts}</td>
                  <td>{n.last_error ? <span class="bad">{n.last_error}</span> : <span class="muted">–</span>}</td>
                  <td class="hide-narrow"><code>{n.group_key}</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager pager={pager} next={rows.length < limit || !last ? null : last.created_at_ms} />
    </>
  );
}

function NotificationDetail({ id }) {
  const { data, error, loading } = useApi(`/api/v1/notifications/${encodeURIComponent(id)}`, { refreshMs: 10000 });
  if (loading && !data) return <Loading what="Loading the notification" />;
  return (
    <section aria-labelledby="notif-title">
      <p class="crumbs"><a href={href('/notifications')}>Notifications</a> ›</p>
      <h1 id="notif-title">Notification to {data?.receiver ?? '…'} {data && <StatusPill status={data.status} />}</h1>
      <ErrorBox error={error} />
      {data && (
        <>
          <dl class="facts">
            <div><dt>Id</dt><dd><code>{data.id}</code></dd></div>
            <div><dt>Created</dt><dd>{time(data.created_at)}</dd></div>
            <div><dt>Updated</dt><dd>{time(data.updated_at)}</dd></div>
            <div><dt>Attempts</dt><dd>{data.attempts}</dd></div>
            <div><dt>Group</dt><dd><code>{data.group_key}</code></dd></div>
            <div><dt>Idempotency key</dt><dd><code>{data.idempotency_key}</code></dd></div>
          </dl>
          {data.last_error && <p class="error">Last error: {data.last_error}</p>}
          <h2>Attempt log</h2>
          {!data.attempt_log?.length ? <p class="muted">No attempts yet.</p> : (
            <div class="table-wrap">
              <table class="attempts">
                <caption class="sr-only">Delivery attempts</caption>
                <thead><tr><th scope="col" class="num">#</th><th scope="col">At</th><th scope="col">Outcome</th><th scope="col" class="num">HTTP</th><th scope="col" class="num">Took</th><th scope="col">Error</th></tr></thead>
                <tbody>
                  {data.attempt_log.map((a) => (
                    <tr key={a.seq}>
                      <th scope="row" class="num">{a.attempt}</th>
                      <td>{time(a.at)}</td>
                      <td><StatusPill status={a.outcome} /></td>
                      <td class="num">{a.http_status || '–'}</td>
                      <td class="num">{a.duration_ms} ms</td>
                      <td>{a.error ? <span class="bad">{a.error}</span> : <span class="muted">–</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function DeadLetters({ editor }) {
  const { data, error, loading, reload } = useApi('/api/v1/notifications/dead', { refreshMs: 15000 });
  const [redriven, setRedriven] = useState(null);
  const [redrive, state] = useAction(() => api('/api/v1/notifications/dead/redrive', { method: 'POST' }));
  const dead = data?.data ?? [];
  const breakers = data?.breakers ?? [];
  return (
    <>
      <h2 id="dead-title">Dead letters</h2>
      <ErrorBox error={error ?? state.error} />
      {editor && (
        <div class="row">
          <button type="button" disabled={state.busy} onClick={async () => { const r = await redrive(); if (r) { setRedriven(r.redriven); reload(); } }}>
            {state.busy ? 'Redriving…' : 'Redrive dead letters'}
          </button>
          {redriven !== null && <span role="status" data-testid="redriven">Redriven: {redriven}</span>}
        </div>
      )}
      {loading && !data ? <Loading what="Loading dead letters" /> : dead.length === 0 ? <p class="muted">The dead-letter queue is empty.</p> : (
        <div class="table-wrap">
          <table class="dead">
            <caption class="sr-only">Notifications that ran out of retries</caption>
            <thead><tr><th scope="col">Receiver</th><th scope="col">Dead since</th><th scope="col" class="num hide-narrow">Attempts</th><th scope="col">Last error</th><th scope="col" class="hide-narrow">Alerts</th></tr></thead>
            <tbody>
              {dead.map((d) => (
                <tr key={d.message_id}>
                  <th scope="row">{d.id ? <a href={href('/notifications/' + encodeURIComponent(d.id))}>{d.receiver}</a> : (d.receiver ?? '?')}</th>
                  <td title={ago(d.dead_since)}>{time(d.dead_since)}</td>
                  <td class="num">{d.attempts}</td>
                  <td><span class="bad">{d.last_error || '–'}</span></td>
                  <td class="hide-narrow">{d.alerts ?? '–'} {d.firing === false ? '(resolved)' : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Circuit breakers</h2>
      {breakers.length === 0 ? <p class="muted">No receiver has failed recently.</p> : (
        <div class="table-wrap">
          <table class="breakers">
            <caption class="sr-only">Circuit breaker per receiver</caption>
            <thead><tr><th scope="col">Receiver</th><th scope="col">Circuit</th><th scope="col" class="num">Failures in a row</th><th scope="col">Open for</th></tr></thead>
            <tbody>
              {breakers.map((b) => (
                <tr key={b.receiver} class={b.open ? 'attention' : undefined}>
                  <th scope="row">{b.receiver}</th>
                  <td><StatusPill status={b.open ? 'open' : 'ok'} label={b.open ? 'open' : 'closed'} /></td>
                  <td class="num">{b.consecutive_failures}</td>
                  <td>{b.open ? duration((b.open_for_ms ?? 0) / 1000) : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function pretty(body) {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function TestPreview({ preview }) {
  const r = preview.request;
  return (
    <div class="card preview" role="region" aria-label={`Test notification for ${preview.receiver}`}>
      {preview.template_error && <p class="error">Template error: {preview.template_error}</p>}
      {r ? (
        <>
          <p><code>{r.method} {r.url}</code></p>
          {r.headers && Object.keys(r.headers).length > 0 && (
            <table class="headers">
              <caption class="sr-only">Request headers</caption>
              <tbody>{Object.entries(r.headers).map(([k, v]) => <tr key={k}><th scope="row"><code>{k}</code></th><td><code>{v}</code></td></tr>)}</tbody>
            </table>
          )}
          {r.body && <pre class="request-body">{pretty(r.body)}</pre>}
        </>
      ) : preview.email ? <pre class="request-body">{JSON.stringify(preview.email, null, 2)}</pre> : <pre class="request-body">{JSON.stringify(preview, null, 2)}</pre>}
    </div>
  );
}

function Receivers({ receivers, error, loading, editor }) {
  const [previews, setPreviews] = useState({});
  const [test, state] = useAction((name) => api(`/api/v1/receivers/${encodeURIComponent(name)}/test`, { method: 'POST' }));
  return (
    <>
      <h2>Receivers</h2>
      <ErrorBox error={error ?? state.error} />
      {loading && !receivers ? <Loading what="Loading receivers" /> : !receivers?.length ? <p class="muted">No receivers are configured.</p> : (
        <ul class="receivers stack">
          {receivers.map((r) => (
            <li key={r.name} class="card">
              <div class="row spread">
                <div>
                  <strong>{r.name}</strong> <span class="pill pill-muted">{r.type}</span> <span class="muted small">{r.owner === 'config' ? 'config file' : 'API'}</span>
                  <div class="muted small mono wrap">{r.url ?? r.to?.join?.(', ') ?? r.channel ?? ''}</div>
                </div>
                {editor && (
                  <button type="button" class="secondary" disabled={state.busy} aria-label={`Test receiver ${r.name}`}
                    onClick={async () => { const p = await test(r.name); if (p) setPreviews({ ...previews, [r.name]: p }); }}>
                    Test
                  </button>
                )}
              </div>
              {previews[r.name] && <TestPreview preview={previews[r.name]} />}
            </li>
          ))}
        </ul>
      )}
      {editor && <p class="muted small">Test renders a sample notification and shows the request that would be sent; it does not send it.</p>}
    </>
  );
}

export function Notifications({ route, whoami }) {
  const receiversApi = useApi('/api/v1/receivers');
  if (route.parts[1]) {
    return (
      <>
        <AlertTabs current="notifications" />
        <NotificationDetail id={route.parts[1]} />
      </>
    );
  }
  const status = route.params.get('status') ?? '';
  const receiver = route.params.get('receiver') ?? '';
  const editor = can(whoami, 'edit');
  const names = (receiversApi.data?.receivers ?? []).map((r) => r.name);
  return (
    <section aria-labelledby="notifications-title">
      <h1 id="notifications-title">Notifications</h1>
      <AlertTabs current="notifications" />
      <h2>Attempts</h2>
      <Attempts key={status + '|' + receiver} status={status} receiver={receiver} receivers={names} />
      <DeadLetters editor={editor} />
      <Receivers receivers={receiversApi.data?.receivers} error={receiversApi.error} loading={receiversApi.loading} editor={editor} />
    </section>
  );
}
