// The state words the API uses, as a pill with a text label (colour is never the only cue).
const TONE = {
  up: 'ok', ok: 'ok', healthy: 'ok', resolved: 'ok', delivered: 'ok', active: 'info',
  down: 'bad', firing: 'bad', failing: 'bad', dead: 'bad', open: 'bad', exhausted: 'bad',
  pending: 'warn', degraded: 'warn', acknowledged: 'warn', paused: 'muted', unknown: 'muted',
  maintenance: 'muted', expired: 'muted', skipped: 'muted',
};

export function StatusPill({ status, label }) {
  const tone = TONE[String(status).toLowerCase()] ?? 'muted';
  return <span class={`pill pill-${tone}`}>{label ?? status}</span>;
}

export function ErrorBox({ error }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      {error.message || String(error)}
      {error.body?.error?.fields?.length ? (
        <ul>
          {error.body.error.fields.map((f) => (
            <li key={f.field}>
              <code>{f.field}</code>: {f.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Loading({ what = 'Loading' }) {
  return <p class="muted" aria-busy="true">{what}…</p>;
}
