import { useEffect, useState } from 'preact/hooks';
import { UptimeBars } from '../components/sparkline.jsx';
import { ErrorBox, Loading, StatusPill } from '../components/status.jsx';
import { pct, time } from '../format.js';

const WORDS = { operational: 'All systems operational', degraded: 'Some systems are down', outage: 'Major outage', unknown: 'No data yet' };
const DAY_MS = 86400000;

// The public status page: no key, no navigation, only what the group's config made public.
// Refreshes every minute.
export function StatusPage({ group }) {
  const [state, setState] = useState({ data: null, error: null });
  useEffect(() => {
    let stop = false;
    const load = () =>
      fetch(`/api/v1/status/${encodeURIComponent(group)}`)
        .then(async (r) => {
          const body = await r.json();
          if (!r.ok) throw new Error(body?.error?.message ?? r.statusText);
          return body;
        })
        .then((data) => !stop && setState({ data, error: null }), (error) => !stop && setState((s) => ({ ...s, error })));
    load();
    const timer = setInterval(load, 60000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [group]);
  const { data, error } = state;
  useTitle(data?.title ?? 'Status');
  if (!data && !error) return <Loading what="Loading status" />;
  if (!data) return <main id="main"><ErrorBox error={error} /></main>;
  const first = new Date(data.first_day).getTime();
  return (
    <main id="main" class="status-page">
      <h1>{data.title}</h1>
      {data.description && <p class="muted">{data.description}</p>}
      <p class={`status-banner banner-${data.status}`} role="status">{WORDS[data.status] ?? data.status}</p>
      <ul class="status-list">
        {data.checks.map((c) => (
          <li key={c.name} class="card">
            <div class="row">
              <strong>{c.name}</strong>
              <StatusPill status={c.status} />
              <span class="muted">{pct(c.uptime_90d, 3)} over 90 days</span>
            </div>
            <UptimeBars
              label={`${c.name}: uptime per day over 90 days`}
              days={c.days.map((u, i) => ({ label: new Date(first + i * DAY_MS).toISOString().slice(0, 10), uptime: u }))}
            />
          </li>
        ))}
      </ul>
      <p class="muted">Updated {time(data.updated_at)} · Powered by Pharos</p>
    </main>
  );
}

function useTitle(title) {
  useEffect(() => {
    document.title = title;
  }, [title]);
}
