import { q } from '../api.js';
import { useApi } from '../hooks.js';
import { href } from '../router.js';
import { ago, time } from '../format.js';
import { Pager, usePager } from '../components/pager.jsx';
import { ErrorBox, Loading, StatusPill } from '../components/status.jsx';
import { IncidentDetail } from './incident_detail.jsx';

const STATUSES = [['', 'All'], ['open', 'Open'], ['acknowledged', 'Acknowledged'], ['resolved', 'Resolved']];

// Keyed by the status filter, so a new filter starts again at the newest page.
function IncidentList({ status }) {
  const pager = usePager();
  const { data, error, loading } = useApi('/api/v1/incidents' + q({ status, limit: 50, cursor: pager.cursor }), { refreshMs: pager.cursor ? 0 : 10000 });
  const rows = data?.data ?? [];
  return (
    <>
      <ErrorBox error={error} />
      {loading && !data ? <Loading what="Loading incidents" /> : rows.length === 0 ? <p class="muted">No {status || ''} incidents.</p> : (
        <div class="table-wrap">
          <table class="incidents">
            <caption class="sr-only">Incidents, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Incident</th><th scope="col">Status</th><th scope="col">Opened</th>
                <th scope="col">Acknowledged</th><th scope="col">Resolved</th><th scope="col" class="hide-narrow">Last activity</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((i) => (
                <tr key={i.id} class={i.status === 'open' ? 'attention' : undefined}>
                  <th scope="row"><a href={href('/incidents/' + encodeURIComponent(i.id))}>{i.title || i.id}</a></th>
                  <td><StatusPill status={i.status} /></td>
                  <td title={time(i.opened_at_ms)}>{ago(i.opened_at_ms)}</td>
                  <td>{i.acknowledged_at_ms ? <span title={time(i.acknowledged_at_ms)}>{i.acknowledged_by || '?'}, {ago(i.acknowledged_at_ms)}</span> : <span class="muted">–</span>}</td>
                  <td>{i.resolved_at_ms ? <span title={time(i.resolved_at_ms)}>{i.resolved_by || 'pharos'}, {ago(i.resolved_at_ms)}</span> : <span class="muted">–</span>}</td>
                  <td class="hide-narrow" title={time(i.last_activity_ms)}>{ago(i.last_activity_ms)}</td>
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

// #/incidents?status=open lists; #/incidents/ID is one incident.
export function Incidents({ route, whoami }) {
  if (route.parts[1]) return <IncidentDetail id={route.parts[1]} whoami={whoami} />;
  const status = STATUSES.some(([s]) => s === route.params.get('status')) ? route.params.get('status') : '';
  return (
    <section aria-labelledby="incidents-title">
      <h1 id="incidents-title">Incidents</h1>
      <nav class="tabs" aria-label="Incident status">
        {STATUSES.map(([s, label]) => <a key={s} href={href('/incidents', { status: s })} aria-current={s === status ? 'page' : undefined}>{label}</a>)}
      </nav>
      <IncidentList key={status} status={status} />
    </section>
  );
}
