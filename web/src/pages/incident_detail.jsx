import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { useAction, useApi } from '../hooks.js';
import { href } from '../router.js';
import { ago, time } from '../format.js';
import { can } from '../components/layout.jsx';
import { ErrorBox, Loading, StatusPill } from '../components/status.jsx';
import { Labels } from './alerts.jsx';

const KIND = {
  opened: 'Opened', alert_fired: 'Alert fired', alert_resolved: 'Alert resolved', acknowledged: 'Acknowledged',
  resolved: 'Resolved', note: 'Note', reopened: 'Reopened',
};
const kindLabel = (k) => KIND[k] ?? String(k ?? '').replace(/_/g, ' ');

// One incident: its facts, its alerts, its timeline; acknowledge, resolve and notes for editors.
export function IncidentDetail({ id, whoami }) {
  const path = `/api/v1/incidents/${encodeURIComponent(id)}`;
  const { data, error, loading, reload } = useApi(path, { refreshMs: 10000 });
  const [note, setNote] = useState('');
  const [act, state] = useAction(async (action, body) => {
    await api(`${path}/${action}`, { method: 'POST', body: { who: whoami.name, ...body } });
    await reload();
    return true;
  });
  if (loading && !data) return <Loading what="Loading the incident" />;
  if (!data) return <section><h1>Incident</h1><ErrorBox error={error} /><p><a href={href('/incidents')}>All incidents</a></p></section>;
  const i = data;
  const editor = can(whoami, 'edit');
  const timeline = [...(i.timeline ?? [])].sort((a, b) => a.at_ms - b.at_ms);
  return (
    <section aria-labelledby="incident-title">
      <p class="crumbs"><a href={href('/incidents')}>Incidents</a> ›</p>
      <h1 id="incident-title">{i.title || i.id} <StatusPill status={i.status} /></h1>
      <ErrorBox error={error} />
      <dl class="facts">
        <div><dt>Opened</dt><dd title={ago(i.opened_at_ms)}>{time(i.opened_at_ms)}</dd></div>
        <div><dt>Acknowledged</dt><dd>{i.acknowledged_at_ms ? `${time(i.acknowledged_at_ms)} by ${i.acknowledged_by || '?'}` : '–'}</dd></div>
        <div><dt>Resolved</dt><dd>{i.resolved_at_ms ? `${time(i.resolved_at_ms)} by ${i.resolved_by || 'pharos'}` : '–'}</dd></div>
        <div><dt>Group</dt><dd><code>{i.group_key}</code></dd></div>
      </dl>
      {editor && i.status !== 'resolved' && (
        <div class="row actions">
          {i.status === 'open' && <button type="button" disabled={state.busy} onClick={() => act('acknowledge', {})}>Acknowledge</button>}
          <button type="button" class="secondary" disabled={state.busy} onClick={() => act('resolve', {})}>Resolve</button>
        </div>
      )}
      <ErrorBox error={state.error} />
      <h2>Alerts</h2>
      {!i.alerts?.length ? <p class="muted">No alerts.</p> : (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Alerts in this incident</caption>
            <thead><tr><th scope="col">Rule</th><th scope="col">State</th><th scope="col">Labels</th><th scope="col">Fired</th><th scope="col" class="hide-narrow">Resolved</th></tr></thead>
            <tbody>
              {i.alerts.map((a) => (
                <tr key={a.fingerprint}>
                  <th scope="row">{a.rule}</th>
                  <td><StatusPill status={a.state} /></td>
                  <td><Labels labels={a.labels} skip={['alertname']} /></td>
                  <td title={ago(a.fired_at_ms)}>{time(a.fired_at_ms)}</td>
                  <td class="hide-narrow">{a.resolved_at_ms ? time(a.resolved_at_ms) : <span class="muted">–</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Findings</h2>
      {!i.findings?.length ? <p class="muted">No anomalies moved together around this incident.</p> : (
        <ul class="findings-brief">
          {i.findings.map((f) => (
            <li key={f.id}>
              <a href={href('/findings/' + encodeURIComponent(f.id))}>{f.summary}</a>{' '}
              <span class="small muted">({Math.round((f.strength ?? 0) * 100)}%, {time(f.start_ms)})</span>
            </li>
          ))}
        </ul>
      )}
      <h2>Timeline</h2>
      <ol class="timeline" aria-label="Timeline, oldest first">
        {timeline.map((t, n) => (
          <li key={n} class={`tl-${t.kind}`}>
            <time dateTime={new Date(t.at_ms).toISOString()}>{time(t.at_ms)}</time>
            <strong>{kindLabel(t.kind)}</strong>
            <span class="muted">by {t.who || 'pharos'}</span>
            {t.text ? <div class={t.kind === 'note' ? 'note-text' : 'mono small'}>{t.text}</div> : null}
          </li>
        ))}
      </ol>
      {editor && (
        <form class="stack note-form" onSubmit={async (e) => { e.preventDefault(); if (await act('notes', { text: note })) setNote(''); }}>
          <label for="incident-note">Add a note</label>
          <textarea id="incident-note" rows="3" value={note} required onInput={(e) => setNote(e.currentTarget.value)} />
          <div><button type="submit" disabled={state.busy || !note.trim()}>Add note</button> <span class="muted small">as {whoami.name}</span></div>
        </form>
      )}
    </section>
  );
}
