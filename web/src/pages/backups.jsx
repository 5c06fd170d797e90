// #/backups (admin): is the data backed up, and is the copy on the second target fresh?
// Health first, then "Back up now" with its progress, the backups with their sizes and a
// verify button each, the recent jobs, and how to restore. Restoring is left to the CLI on
// purpose: a server-side path typed in a browser is a foot-gun.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { useAction, useApi } from '../hooks.js';
import { ago, duration, ms, time, toDate } from '../format.js';
import { can } from '../components/layout.jsx';
import { ErrorBox, Loading } from '../components/status.jsx';

const DONE = new Set(['succeeded', 'failed']);
const JOB_TONE = { succeeded: 'ok', failed: 'bad', running: 'info', queued: 'muted' };

export function bytes(n) {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

// A job's run time: milliseconds for the quick ones, minutes and hours for the long ones.
const took = (msec) => (msec < 60000 ? ms(msec) : duration(msec / 1000));

// Date and time on their own lines when the column is narrow, never split inside.
function When({ at }) {
  const [day, clock] = time(at).split(' ');
  return <><span class="nowrap">{day}</span> <span class="nowrap">{clock ?? ''}</span></>;
}

const ratio = (raw, stored) => (raw && stored ? `${(raw / stored).toFixed(raw / stored < 10 ? 1 : 0)}×` : '–');

function Pill({ tone, children }) {
  return <span class={`pill pill-${tone}`}>{children}</span>;
}

const JobState = ({ state }) => <Pill tone={JOB_TONE[state] ?? 'muted'}>{state}</Pill>;

// The newest backup's age against the schedule, as the server judges it: ok within one period
// (plus a little for the run itself), warn until the server's PharosBackupMissed threshold
// (`missed_after_s`), bad beyond it (the alarm fires).
function freshness(status) {
  const newest = toDate(status.newest_at);
  if (!status.schedule) return newest ? { tone: 'muted', label: 'on demand only' } : { tone: 'muted', label: 'none yet: on demand only' };
  if (!newest) return { tone: 'bad', label: 'no backup yet' };
  const period = status.period_s;
  if (!period) return { tone: 'muted', label: 'schedule never repeats' };
  const age = (Date.now() - newest.getTime()) / 1000;
  if (age <= period + Math.max(300, period * 0.1)) return { tone: 'ok', label: 'on schedule' };
  if (age <= (status.missed_after_s ?? 2 * period)) return { tone: 'warn', label: 'late' };
  return { tone: 'bad', label: 'overdue' };
}

// Polls a job every second until it has finished; calls onDone(job) once when it has.
function useJob(id, initial, onDone) {
  const [job, setJob] = useState(initial ?? null);
  const [error, setError] = useState(null);
  const done = useRef(onDone);
  done.current = onDone;
  useEffect(() => {
    if (!id) return undefined;
    let stopped = false;
    let timer;
    const tick = async () => {
      try {
        const j = await api(`/api/v1/backups/jobs/${encodeURIComponent(id)}`);
        if (stopped) return;
        setJob(j);
        setError(null);
        if (DONE.has(j.state)) {
          done.current?.(j);
          return;
        }
      } catch (e) {
        if (stopped) return;
        setError(e);
        if (e.status === 404 || e.status === 403) return;
      }
      timer = setTimeout(tick, 1000);
    };
    timer = setTimeout(tick, initial && DONE.has(initial.state) ? 0 : 1000);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [id]);
  return { job, error };
}

function Progress({ job, id }) {
  const total = job?.total_bytes ?? 0;
  const done = job?.done_bytes ?? 0;
  const percent = total ? Math.min(100, Math.floor((done / total) * 100)) : null;
  const what = job?.kind === 'verify' ? 'Verifying' : 'Backing up';
  return (
    <div class="bk-progress">
      <label for={id}>
        {job?.state === 'queued' ? 'Queued…' : percent === null ? `${what}…` : `${what}: ${percent}% (${bytes(done)} of ${bytes(total)})`}
      </label>
      <progress id={id} max={total || undefined} value={total ? done : undefined} />
    </div>
  );
}

function CreateResult({ job }) {
  if (job.state === 'failed') return <div class="error" role="alert">The backup failed: {job.error || 'no reason given'}</div>;
  const deleted = job.deleted_by_retention ?? [];
  return (
    <p class="notice">
      <Pill tone="ok">succeeded</Pill> Backup <code>{job.backup_id}</code>: {job.files ?? '–'} files, {bytes(job.raw_bytes)} raw, {bytes(job.stored_bytes)} stored
      {job.started_at && job.finished_at ? `, in ${took(toDate(job.finished_at) - toDate(job.started_at))}` : ''}.
      {' '}Second target: {job.second_target || 'not configured'}.
      {' '}Deleted by retention: {deleted.length ? deleted.map((d, i) => <span key={d}>{i ? ', ' : ''}<code>{d}</code></span>) : 'none'}.
    </p>
  );
}

// "Back up now": POST, then the job's progress every second, then its result.
function BackupNow({ status, jobs, onFinished }) {
  const [tracked, setTracked] = useState(null);
  const [start, state] = useAction(() => api('/api/v1/backups', { method: 'POST' }));
  // A backup started elsewhere (the schedule, another tab) is followed too.
  const running = jobs?.find((j) => j.kind === 'create' && !DONE.has(j.state));
  useEffect(() => {
    if (running && running.id !== tracked?.id) setTracked(running);
  }, [running?.id]);
  const { job, error } = useJob(tracked?.id, tracked, onFinished);
  const current = job?.id === tracked?.id ? job : tracked;
  const busy = state.busy || (current && !DONE.has(current.state));
  return (
    <section class="stack bk-now" aria-labelledby="bk-now-title">
      <h2 id="bk-now-title" class="sr-only">Back up now</h2>
      <div class="row">
        <button type="button" disabled={busy} onClick={async () => { const out = await start(); if (out) setTracked(out); }}>
          {busy ? 'Backing up…' : 'Back up now'}
        </button>
        {status?.running && !current && <span class="muted">A backup is running.</span>}
      </div>
      <ErrorBox error={state.error} />
      <div role="status" aria-live="polite">
        {current && !DONE.has(current.state) && <Progress job={current} id="bk-create-progress" />}
        {current && DONE.has(current.state) && <CreateResult job={current} />}
      </div>
      <ErrorBox error={error} />
    </section>
  );
}

function Health({ status }) {
  const s = status;
  const fresh = freshness(s);
  const second = s.second_target ?? {};
  const failedLast = s.last_failure_at && (!s.last_success_at || toDate(s.last_failure_at) > toDate(s.last_success_at));
  return (
    <section aria-labelledby="bk-health-title">
      <h2 id="bk-health-title">Health</h2>
      <div class="cards">
        <div class="card stack tight">
          <h3 id="bk-last-title" class="small-head">Last successful backup</h3>
          {s.last_success_at ? (
            <>
              <div class="bk-big" title={time(s.last_success_at)}>{ago(s.last_success_at)}</div>
              <div>took {ms(s.last_duration_ms)}</div>
              <div>{bytes(s.last_stored_bytes)} stored of {bytes(s.last_raw_bytes)} raw</div>
              <div class="small muted">{s.succeeded} succeeded, {s.failed} failed since the server started</div>
            </>
          ) : <div class="bk-big muted">none yet</div>}
        </div>
        <div class="card stack tight">
          <h3 id="bk-newest-title" class="small-head">Newest backup</h3>
          <div class="bk-big" title={time(s.newest_at)}>{s.newest_at ? ago(s.newest_at) : <span class="muted">no backups</span>}</div>
          <div><Pill tone={fresh.tone}>{fresh.label}</Pill></div>
          <div class="small muted">{s.backups} backup{s.backups === 1 ? '' : 's'} kept</div>
        </div>
        <div class="card stack tight">
          <h3 id="bk-next-title" class="small-head">Next scheduled run</h3>
          {s.schedule ? (
            <>
              <div class="bk-big" title={time(s.next_run_at)}>{s.next_run_at ? ago(s.next_run_at) : '–'}</div>
              <div class="small">{time(s.next_run_at)}</div>
              <div class="small muted">schedule <code>{s.schedule}</code></div>
            </>
          ) : (
            <>
              <div class="bk-big muted">none</div>
              <div class="small muted">No <code>backup.schedule</code>: on demand only.</div>
            </>
          )}
          {s.running && <div><Pill tone="info">running now</Pill></div>}
        </div>
        <div class="card stack tight">
          <h3 id="bk-second-title" class="small-head">Second target</h3>
          {second.configured ? (
            <>
              <div class="bk-big" title={time(second.newest_at)}>{second.newest_at ? ago(second.newest_at) : <span class="muted">no copy yet</span>}</div>
              <div class="small muted">newest copy; {second.copies_succeeded ?? 0} copied, {second.copies_failed ?? 0} failed</div>
              {second.last_error && <div class="error">Last error: {second.last_error}</div>}
            </>
          ) : <div class="bk-big muted">not configured</div>}
        </div>
        {failedLast && (
          <div class="card stack tight bk-failed">
            <h3 id="bk-fail-title" class="small-head">Last failure</h3>
            <div class="bk-big" title={time(s.last_failure_at)}>{ago(s.last_failure_at)}</div>
            <div><Pill tone="bad">failed after the last success</Pill></div>
            {s.last_error && <div class="error">{s.last_error}</div>}
          </div>
        )}
      </div>
    </section>
  );
}

// Stored size per backup as bars, oldest left, newest right, so a sudden growth shows. A bar
// over 1.5× the one before is amber (and says so in its tooltip).
function SizeChart({ backups }) {
  const list = [...backups].reverse();
  if (!list.length) return null;
  const width = 600;
  const height = 80;
  const slot = Math.min(width / list.length, 40);
  const max = Math.max(...list.map((b) => b.stored_bytes ?? 0), 1);
  const newest = list[list.length - 1];
  return (
    <figure class="bk-chart">
      <svg class="bk-sizes" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" width="100%" height={height} role="img"
        aria-label={`Stored size of the last ${list.length} backups, oldest left; largest ${bytes(max)}, newest ${bytes(newest.stored_bytes)}`}>
        <line x1="0" y1={height - 0.5} x2={width} y2={height - 0.5} class="bk-axis" />
        {list.map((b, i) => {
          const h = Math.max(1, ((b.stored_bytes ?? 0) / max) * (height - 4));
          const prev = list[i - 1]?.stored_bytes;
          const jump = prev && b.stored_bytes > prev * 1.5;
          return (
            <rect key={b.id} x={width - (list.length - i) * slot + slot * 0.15} y={height - h} width={slot * 0.7} height={h} class={jump ? 'bk-bar bk-jump' : 'bk-bar'}>
              <title>{`${time(b.created_at)}: ${bytes(b.stored_bytes)} stored${jump ? ` (grew ${(b.stored_bytes / prev).toFixed(1)}× over the one before)` : ''}`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption class="small muted">Stored size per backup, newest on the right (largest {bytes(max)}); an amber bar grew over 1.5× from the one before.</figcaption>
    </figure>
  );
}

function VerifyCell({ backup, onFinished }) {
  const [tracked, setTracked] = useState(null);
  const [start, state] = useAction(() => api(`/api/v1/backups/${encodeURIComponent(backup.id)}/verify`, { method: 'POST' }));
  const { job, error } = useJob(tracked?.id, tracked, onFinished);
  const current = job?.id === tracked?.id ? job : tracked;
  const running = state.busy || (current && !DONE.has(current.state));
  return (
    <td class="bk-verify">
      <button type="button" class="secondary small" disabled={running} aria-label={`Verify backup ${backup.id}`}
        onClick={async () => { const out = await start(); if (out) setTracked(out); }}>
        Verify
      </button>
      <div role="status" aria-live="polite" class="small">
        {current && !DONE.has(current.state) && <Progress job={current} id={`bk-verify-${backup.id}`} />}
        {current?.state === 'succeeded' && <Pill tone="ok">verified</Pill>}
        {current?.state === 'failed' && <><Pill tone="bad">verify failed</Pill> <span class="bad">{current.error}</span></>}
      </div>
      <ErrorBox error={state.error || error} />
    </td>
  );
}

function BackupTable({ backups, onVerified }) {
  return (
    <div class="table-wrap">
      <table class="bk-table">
        <caption class="sr-only">Backups, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Created</th><th scope="col">Id</th><th scope="col" class="num">Files</th><th scope="col" class="num hide-narrow">Raw</th>
            <th scope="col" class="num">Stored</th><th scope="col" class="num hide-narrow">Ratio</th><th scope="col" class="num hide-narrow">Took</th>
            <th scope="col">On second target</th><th scope="col"><span class="sr-only">Verify</span></th>
          </tr>
        </thead>
        <tbody>
          {backups.map((b) => (
            <tr key={b.id}>
              <th scope="row" class="when"><When at={b.created_at} /><div class="small muted">{ago(b.created_at)}</div></th>
              <td><code class="bk-id" title={b.id}>{b.id}</code></td>
              <td class="num">{b.files ?? '–'}</td>
              <td class="num hide-narrow">{bytes(b.raw_bytes)}</td>
              <td class="num">{bytes(b.stored_bytes)}</td>
              <td class="num hide-narrow" title="raw size ÷ stored size">{ratio(b.raw_bytes, b.stored_bytes)}</td>
              <td class="num hide-narrow">{ms(b.duration_ms)}</td>
              <td>{b.on_second_target ? <Pill tone="ok">yes</Pill> : <Pill tone="muted">no</Pill>}</td>
              <VerifyCell backup={b} onFinished={onVerified} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Jobs({ jobs }) {
  if (!jobs.length) return <p class="muted">No backup jobs since the server started.</p>;
  return (
    <div class="table-wrap">
      <table class="bk-jobs">
        <caption class="sr-only">Recent backup jobs, newest first</caption>
        <thead>
          <tr><th scope="col">Queued</th><th scope="col">Kind</th><th scope="col">Trigger</th><th scope="col">State</th><th scope="col" class="hide-narrow">Backup</th><th scope="col">Took / error</th></tr>
        </thead>
        <tbody>
          {jobs.slice(0, 20).map((j) => (
            <tr key={j.id}>
              <th scope="row" class="when" title={time(j.queued_at)}>{ago(j.queued_at)}</th>
              <td>{j.kind}</td>
              <td>{j.trigger}</td>
              <td><JobState state={j.state} /></td>
              <td class="hide-narrow">{j.backup_id ? <code class="bk-id" title={j.backup_id}>{j.backup_id}</code> : <span class="muted">–</span>}</td>
              <td class="wrap">
                {j.error ? <span class="bad">{j.error}</span> : j.started_at && j.finished_at ? took(toDate(j.finished_at) - toDate(j.started_at)) : <span class="muted">–</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Restore({ newest, secondTarget }) {
  const id = newest ?? 'ID';
  return (
    <section class="card stack bk-restore" aria-labelledby="bk-restore-title">
      <h2 id="bk-restore-title">How to restore</h2>
      <p>Restoring is done on the server with the <code>pharos</code> command, not from this page. The backup is verified before anything is written.</p>
      <ol class="stack">
        <li>Restore into an empty directory (it needs the master key the backup was made with: <code>crypto.master_key_file</code> or <code>PHAROS_MASTER_KEY</code>):
          <pre class="bk-cmd">pharos backup restore {id} --target /srv/pharos-restored</pre></li>
        {secondTarget && (
          <li>Or from the copy on the second target (when the data directory itself is lost):
            <pre class="bk-cmd">pharos backup restore {id} --from {secondTarget} --target /srv/pharos-restored</pre></li>
        )}
        <li>Start the server on it:
          <pre class="bk-cmd">pharos serve --data /srv/pharos-restored</pre></li>
      </ol>
      <p class="small muted"><code>pharos backup list</code> lists the backups; add <code>--config</code> with your config file as for <code>serve</code>.</p>
    </section>
  );
}

function BackupsAdmin() {
  const status = useApi('/api/v1/backups/status', { refreshMs: 10000 });
  const list = useApi('/api/v1/backups', { refreshMs: 30000 });
  const jobs = useApi('/api/v1/backups/jobs', { refreshMs: 5000 });
  const backups = list.data?.data ?? [];
  const jobRows = jobs.data?.data ?? [];
  const reloadAll = () => {
    status.reload();
    list.reload();
    jobs.reload();
  };
  return (
    <>
      <ErrorBox error={status.error} />
      {status.loading && !status.data ? <Loading what="Loading the backup status" /> : status.data && <Health status={status.data} />}
      <BackupNow status={status.data} jobs={jobRows} onFinished={reloadAll} />
      <section aria-labelledby="bk-list-title">
        <h2 id="bk-list-title">Backups</h2>
        <ErrorBox error={list.error} />
        {list.loading && !list.data ? <Loading what="Loading backups" /> : backups.length === 0 ? <p class="muted">No backups yet.</p> : (
          <>
            <SizeChart backups={backups} />
            <BackupTable backups={backups} onVerified={() => jobs.reload()} />
          </>
        )}
      </section>
      <section aria-labelledby="bk-jobs-title">
        <h2 id="bk-jobs-title">Recent jobs</h2>
        <ErrorBox error={jobs.error} />
        {jobs.loading && !jobs.data ? <Loading what="Loading jobs" /> : <Jobs jobs={jobRows} />}
      </section>
      <Restore newest={backups[0]?.id} secondTarget={status.data?.second_target?.configured && (status.data.second_target.path || "SECOND_TARGET")} />
    </>
  );
}

export function Backups({ whoami }) {
  return (
    <section aria-labelledby="backups-title">
      <h1 id="backups-title">Backups</h1>
      {can(whoami, 'admin') ? <BackupsAdmin /> : (
        <p class="notice">Backups need an admin key; you are logged in as {whoami.name} ({whoami.role}).</p>
      )}
    </section>
  );
}
