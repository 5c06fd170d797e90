import { useState } from 'preact/hooks';
import { api, q } from '../api.js';
import { useAction, useApi } from '../hooks.js';
import { href, setParams } from '../router.js';
import { ago, time } from '../format.js';
import { can } from '../components/layout.jsx';
import { ErrorBox, Loading, StatusPill } from '../components/status.jsx';
import { AlertTabs } from './alerts.jsx';

const PRESETS = [['30m', 30], ['1h', 60], ['2h', 120], ['4h', 240], ['8h', 480], ['1d', 1440], ['1w', 10080]];

// A datetime-local value (the browser's local time) for a Date.
const localInput = (d) => {
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

// The messages of a 400's `error.fields` for one field (`matchers[2]`, `ends_at`, …).
const fieldErrors = (error, name) =>
  (error?.body?.error?.fields ?? []).filter((f) => f.field === name || f.field.startsWith(name + '.')).map((f) => f.message);

function FieldError({ id, error, name }) {
  const messages = fieldErrors(error, name);
  if (!messages.length) return null;
  return <span id={id} class="field-error">{messages.join('; ')}</span>;
}

// Creates a silence: matchers (prefilled from an alert), then either an end (a preset
// duration or a time) or a recurring window (cron `every` + `duration`, optional `until`).
export function SilenceForm({ whoami, initialMatchers = [], onCreated, onCancel }) {
  const [matchers, setMatchers] = useState(initialMatchers.length ? initialMatchers : ['']);
  const [mode, setMode] = useState('once');
  const [preset, setPreset] = useState('120');
  const [endsAt, setEndsAt] = useState(() => localInput(new Date(Date.now() + 2 * 3600e3)));
  const [every, setEvery] = useState('0 22 * * 1-5');
  const [length, setLength] = useState('8h');
  const [until, setUntil] = useState('');
  const [comment, setComment] = useState('');
  const [create, state] = useAction((body) => api('/api/v1/silences', { method: 'POST', body }));
  const submit = async (e) => {
    e.preventDefault();
    const body = { matchers: matchers.map((m) => m.trim()).filter(Boolean), created_by: whoami.name, comment };
    if (mode === 'once') {
      body.ends_at = preset === 'custom' ? new Date(endsAt).toISOString() : new Date(Date.now() + Number(preset) * 60e3).toISOString();
    } else {
      body.every = every.trim();
      body.duration = length.trim();
      if (until) body.until = new Date(until).toISOString();
    }
    const made = await create(body);
    if (made) onCreated?.(made);
  };
  const invalid = (name) => (fieldErrors(state.error, name).length ? 'true' : undefined);
  return (
    <form class="card stack silence-form" onSubmit={submit} aria-labelledby="silence-form-title">
      <h2 id="silence-form-title">New silence</h2>
      <fieldset>
        <legend>Matchers</legend>
        <p class="muted small">One per row, as <code>name="value"</code>, <code>name!="value"</code>, <code>name=~"regex"</code> or <code>name!~"regex"</code>; an alert is silenced when all match.</p>
        <FieldError id="err-matchers" error={state.error} name="matchers" />
        <ol class="matchers">
          {matchers.map((m, i) => (
            <li key={i} class="row">
              <label for={`matcher-${i}`} class="sr-only">Matcher {i + 1}</label>
              <input id={`matcher-${i}`} class="mono grow" value={m} aria-invalid={invalid(`matchers[${i}]`)} aria-describedby={`err-matcher-${i}`}
                onInput={(e) => setMatchers(matchers.map((x, j) => (j === i ? e.currentTarget.value : x)))} />
              <button type="button" class="ghost" aria-label={`Remove matcher ${i + 1}`} onClick={() => setMatchers(matchers.filter((_, j) => j !== i))} disabled={matchers.length === 1}>✕</button>
              <FieldError id={`err-matcher-${i}`} error={state.error} name={`matchers[${i}]`} />
            </li>
          ))}
        </ol>
        <button type="button" class="secondary" onClick={() => setMatchers([...matchers, ''])}>Add matcher</button>
      </fieldset>
      <fieldset>
        <legend>When</legend>
        <div class="row">
          <label class="plain"><input type="radio" name="silence-mode" checked={mode === 'once'} onChange={() => setMode('once')} /> From now until…</label>
          <label class="plain"><input type="radio" name="silence-mode" checked={mode === 'recurring'} onChange={() => setMode('recurring')} /> Recurring</label>
        </div>
        {mode === 'once' ? (
          <div class="row">
            <div class="stack tight">
              <label for="silence-duration">Duration</label>
              <select id="silence-duration" value={preset} onChange={(e) => setPreset(e.currentTarget.value)}>
                {PRESETS.map(([label, minutes]) => <option key={label} value={String(minutes)}>{label}</option>)}
                <option value="custom">until a time…</option>
              </select>
            </div>
            {preset === 'custom' && (
              <div class="stack tight">
                <label for="silence-ends">Ends at (your local time)</label>
                <input id="silence-ends" type="datetime-local" value={endsAt} required aria-invalid={invalid('ends_at')} aria-describedby="err-ends"
                  onInput={(e) => setEndsAt(e.currentTarget.value)} />
                <FieldError id="err-ends" error={state.error} name="ends_at" />
              </div>
            )}
          </div>
        ) : (
          <div class="row">
            <div class="stack tight">
              <label for="silence-every">Every (cron, UTC)</label>
              <input id="silence-every" class="mono" value={every} required aria-invalid={invalid('every')} aria-describedby="err-every" onInput={(e) => setEvery(e.currentTarget.value)} />
              <FieldError id="err-every" error={state.error} name="every" />
            </div>
            <div class="stack tight">
              <label for="silence-length">For (duration)</label>
              <input id="silence-length" class="mono short" value={length} required aria-invalid={invalid('duration')} aria-describedby="err-length" onInput={(e) => setLength(e.currentTarget.value)} />
              <FieldError id="err-length" error={state.error} name="duration" />
            </div>
            <div class="stack tight">
              <label for="silence-until">Until (optional, local time)</label>
              <input id="silence-until" type="datetime-local" value={until} aria-invalid={invalid('until')} aria-describedby="err-until" onInput={(e) => setUntil(e.currentTarget.value)} />
              <FieldError id="err-until" error={state.error} name="until" />
            </div>
          </div>
        )}
      </fieldset>
      <div class="stack tight">
        <label for="silence-comment">Comment</label>
        <textarea id="silence-comment" rows="2" value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
      </div>
      <p class="muted small">Created by <strong>{whoami.name}</strong>.</p>
      <ErrorBox error={state.error} />
      <div class="row">
        <button type="submit" disabled={state.busy}>{state.busy ? 'Creating…' : 'Create silence'}</button>
        {onCancel && <button type="button" class="ghost" onClick={onCancel}>Cancel</button>}
      </div>
    </form>
  );
}

const STATUSES = ['active', 'pending', 'expired'];

function SilenceRow({ s, editor, onExpired }) {
  const [expire, state] = useAction(() => api(`/api/v1/silences/${encodeURIComponent(s.id)}`, { method: 'DELETE' }));
  const label = s.matchers?.join(', ');
  return (
    <tr>
      <th scope="row"><ul class="labels">{(s.matchers ?? []).map((m) => <li key={m}><code>{m}</code></li>)}</ul></th>
      <td><StatusPill status={s.status} /></td>
      <td>
        {s.every ? <>every <code>{s.every}</code> for {s.duration}{s.until ? `, until ${time(s.until)}` : ''}</> : (
          <>
            <span title={time(s.starts_at)}>{time(s.starts_at)}</span> → <span title={ago(s.ends_at)}>{time(s.ends_at)}</span>
          </>
        )}
        {s.status === 'active' && s.active_until ? <div class="muted small">ends {ago(s.active_until)}</div> : null}
      </td>
      <td>{s.created_by || <span class="muted">–</span>}{s.source === 'config' ? <div class="muted small">config file</div> : null}</td>
      <td>{s.comment || <span class="muted">–</span>}</td>
      {editor && (
        <td>
          {s.status !== 'expired' && s.source !== 'config' && (
            <button type="button" class="danger" disabled={state.busy} aria-label={`Expire silence ${label}`}
              onClick={async () => { if ((await expire()) !== undefined) onExpired(); }}>
              {state.busy ? 'Expiring…' : 'Expire'}
            </button>
          )}
          <ErrorBox error={state.error} />
        </td>
      )}
    </tr>
  );
}

export function Silences({ route, whoami }) {
  const status = STATUSES.includes(route.params.get('status')) ? route.params.get('status') : 'active';
  const creating = route.params.get('new') === '1';
  const initial = (route.params.get('matchers') ?? '').split('\n').filter(Boolean);
  const [created, setCreated] = useState(null);
  const { data, error, loading, reload } = useApi('/api/v1/silences' + q({ status }), { refreshMs: 15000 });
  const editor = can(whoami, 'edit');
  const silences = data?.data ?? [];
  return (
    <section aria-labelledby="silences-title">
      <h1 id="silences-title">Silences</h1>
      <AlertTabs current="silences" />
      {editor && creating && (
        <SilenceForm
          key={route.params.get('matchers') ?? ''}
          whoami={whoami}
          initialMatchers={initial}
          onCancel={() => setParams({ status })}
          onCreated={(s) => { setCreated(s); setParams({ status: 'active' }); reload(); }} />
      )}
      {created && !creating && (
        <p class="notice" role="status">Silence created ({created.matchers.join(', ')}), {created.status}.</p>
      )}
      <div class="row spread">
        <nav class="tabs" aria-label="Silence status">
          {STATUSES.map((s) => <a key={s} href={href('/silences', { status: s })} aria-current={s === status ? 'page' : undefined}>{s[0].toUpperCase() + s.slice(1)}</a>)}
        </nav>
        {editor && !creating && <a class="button" href={href('/silences', { new: '1', status })}>New silence</a>}
      </div>
      <ErrorBox error={error} />
      {loading && !data ? <Loading what="Loading silences" /> : silences.length === 0 ? <p class="muted">No {status} silences.</p> : (
        <div class="table-wrap">
          <table class="silences">
            <caption class="sr-only">{status} silences</caption>
            <thead>
              <tr>
                <th scope="col">Matchers</th><th scope="col">Status</th><th scope="col">When</th>
                <th scope="col">Created by</th><th scope="col">Comment</th>
                {editor && <th scope="col"><span class="sr-only">Actions</span></th>}
              </tr>
            </thead>
            <tbody>
              {silences.map((s) => <SilenceRow key={s.id} s={s} editor={editor} onExpired={reload} />)}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
