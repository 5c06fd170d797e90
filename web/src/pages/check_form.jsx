// Create or edit a check (POST / PUT /api/v1/checks). The fields are those of the YAML
// (docs/CONFIG.md "Health checks"); the server validates, and each wrong field it names in
// the 400's `error.fields` is shown next to its input. Config-owned checks are read-only.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { useAction, useApi } from '../hooks.js';
import { href } from '../router.js';
import { can } from '../components/layout.jsx';
import { ErrorBox, Loading } from '../components/status.jsx';

const TYPES = ['http', 'tcp', 'tls', 'dns', 'heartbeat'];
// Which inputs each type takes (the server refuses fields of another type).
const BY_TYPE = {
  http: ['url', 'method', 'expected_status', 'verify_tls', 'timeout', 'retries'],
  tcp: ['host', 'port', 'timeout', 'retries'],
  tls: ['host', 'port', 'verify_tls', 'timeout', 'retries'],
  dns: ['host', 'server', 'record', 'timeout', 'retries'],
  heartbeat: ['grace'],
};
// Fields of a loaded check the form does not edit but must send back unchanged on PUT.
const KEEP = ['headers', 'body', 'max_redirects'];

const EMPTY = {
  name: '', type: 'http', url: '', method: 'GET', expected_status: '', verify_tls: true, host: '', port: '', server: '',
  record: 'A', grace: '', interval: '1m', timeout: '', retries: '', failure_threshold: '', success_threshold: '',
  labels: '', conditions: '', paused: false,
};

const labelsToText = (labels) => Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ');

function textToLabels(text) {
  const out = {};
  for (const part of text.split(/[,\n]/)) {
    const p = part.trim();
    if (!p) continue;
    const at = p.indexOf('=');
    if (at < 1) throw Object.assign(new Error(`labels: '${p}' is not name=value`), { field: 'labels' });
    out[p.slice(0, at).trim()] = p.slice(at + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return out;
}

function fromCheck(c) {
  const f = { ...EMPTY };
  for (const k of Object.keys(EMPTY)) if (c[k] !== undefined && c[k] !== null) f[k] = c[k];
  f.expected_status = Array.isArray(c.expected_status) ? c.expected_status.join(', ') : String(c.expected_status ?? '');
  f.port = c.port === undefined ? '' : String(c.port);
  for (const k of ['retries', 'failure_threshold', 'success_threshold']) f[k] = c[k] === undefined ? '' : String(c[k]);
  f.labels = labelsToText(c.labels);
  f.conditions = (c.conditions ?? []).join('\n');
  return f;
}

// The JSON body: only what applies to the type, without empty optional fields.
export function toBody(f, original) {
  const body = { name: f.name.trim(), type: f.type };
  const num = (k) => {
    const v = String(f[k]).trim();
    if (v === '') return;
    if (!/^-?\d+$/.test(v)) throw Object.assign(new Error(`${k}: '${v}' is not a whole number`), { field: k });
    body[k] = Number(v);
  };
  const str = (k) => {
    const v = String(f[k] ?? '').trim();
    if (v !== '') body[k] = v;
  };
  const fields = BY_TYPE[f.type] ?? [];
  for (const k of fields) {
    if (k === 'port' || k === 'retries') num(k);
    else if (k === 'verify_tls') body.verify_tls = !!f.verify_tls;
    else if (k === 'expected_status') {
      const v = f.expected_status.trim();
      if (v) {
        const list = v.split(/[\s,]+/).filter(Boolean);
        if (list.some((s) => !/^\d{3}$/.test(s))) throw Object.assign(new Error(`expected_status: '${v}' is not a list of statuses`), { field: 'expected_status' });
        body.expected_status = list.map(Number);
      }
    } else str(k);
  }
  str('interval');
  num('failure_threshold');
  num('success_threshold');
  const conditions = f.conditions.split('\n').map((s) => s.trim()).filter(Boolean);
  if (conditions.length) body.conditions = conditions;
  const labels = textToLabels(f.labels);
  if (Object.keys(labels).length) body.labels = labels;
  body.paused = !!f.paused;
  if (original && original.type === f.type) for (const k of KEEP) if (original[k] !== undefined) body[k] = original[k];
  return body;
}

// `conditions[0]` and `labels.team` belong to the `conditions` and `labels` inputs.
const fieldOf = (path) => String(path ?? '').split(/[[.]/)[0];

function Field({ id, label, hint, errors, children }) {
  const errs = errors[id] ?? [];
  return (
    <div class={`field${errs.length ? ' has-error' : ''}`}>
      <label for={`cf-${id}`}>{label}</label>
      {children}
      {hint && <small id={`cf-${id}-hint`} class="muted">{hint}</small>}
      {errs.map((m, i) => <small key={i} id={i === 0 ? `cf-${id}-error` : undefined} class="field-error bad" role="alert">{m}</small>)}
    </div>
  );
}

function Form({ original, whoami }) {
  const editing = !!original;
  const [f, setF] = useState(() => (original ? fromCheck(original) : { ...EMPTY }));
  const [created, setCreated] = useState(null);
  const set = (k) => (e) => {
    const t = e.currentTarget;
    setF((s) => ({ ...s, [k]: t.type === 'checkbox' ? t.checked : t.value }));
  };
  const [submit, state] = useAction(async () => {
    const body = toBody(f, original);
    const path = editing ? `/api/v1/checks/${encodeURIComponent(original.name)}` : '/api/v1/checks';
    const out = await api(path, { method: editing ? 'PUT' : 'POST', body });
    if (out?.token) setCreated(out);
    else location.hash = href(`/checks/${encodeURIComponent(body.name)}`);
  });
  // Errors per input: the server's `error.fields`, or the one field the form itself refused.
  const errors = {};
  const fieldList = state.error?.body?.error?.fields ?? (state.error?.field ? [{ field: state.error.field, message: state.error.message }] : []);
  for (const e of fieldList) (errors[fieldOf(e.field)] ??= []).push(e.message);
  const placed = new Set(['name', 'type', 'interval', 'failure_threshold', 'success_threshold', 'labels', 'conditions', 'paused', ...(BY_TYPE[f.type] ?? [])]);
  const unplaced = fieldList.filter((e) => !placed.has(fieldOf(e.field)));

  useEffect(() => {
    // After a refused save, move focus to the first wrong input.
    const first = fieldList[0] && document.getElementById(`cf-${fieldOf(fieldList[0].field)}`);
    first?.focus();
  }, [state.error]);

  if (created) {
    return (
      <section aria-labelledby="cf-title">
        <h1 id="cf-title">Check {created.name} created</h1>
        <div class="notice" role="status">
          <p>This heartbeat's token is shown only this once. The job calls:</p>
          <p><code class="break">POST {created.heartbeat_url}</code></p>
          <p>with a key of scope ingest (token: <code class="break">{created.token}</code>).</p>
        </div>
        <a class="button" href={href(`/checks/${encodeURIComponent(created.name)}`)}>Open the check</a>
      </section>
    );
  }
  const shows = (k) => (BY_TYPE[f.type] ?? []).includes(k);
  const aria = (id, hint) => ({
    id: `cf-${id}`,
    'aria-invalid': errors[id] ? 'true' : undefined,
    'aria-describedby': [hint ? `cf-${id}-hint` : '', errors[id] ? `cf-${id}-error` : ''].filter(Boolean).join(' ') || undefined,
  });
  return (
    <section aria-labelledby="cf-title">
      <p class="crumbs"><a href={href('/checks')}>Checks</a> /{editing && <> <a href={href(`/checks/${encodeURIComponent(original.name)}`)}>{original.name}</a> /</>}</p>
      <h1 id="cf-title">{editing ? `Edit ${original.name}` : 'New check'}</h1>
      {!can(whoami, 'edit') && <p class="notice">Your key may not change checks (it needs the edit scope); the server will refuse.</p>}
      <form class="check-form card" noValidate onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <div class="form-grid">
          <Field id="name" label="Name" hint="letters, digits, . _ -" errors={errors}>
            <input {...aria('name', true)} value={f.name} onInput={set('name')} readOnly={editing} required autoComplete="off" />
          </Field>
          <Field id="type" label="Type" errors={errors}>
            <select {...aria('type')} value={f.type} onChange={set('type')} disabled={editing}>
              {TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
          </Field>
          {shows('url') && (
            <Field id="url" label="URL" errors={errors}>
              <input {...aria('url')} type="url" class="wide" value={f.url} onInput={set('url')} placeholder="https://shop.example.com/health" />
            </Field>
          )}
          {shows('method') && (
            <Field id="method" label="Method" errors={errors}>
              <select {...aria('method')} value={f.method} onChange={set('method')}>
                {['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'].map((m) => <option key={m}>{m}</option>)}
              </select>
            </Field>
          )}
          {shows('expected_status') && (
            <Field id="expected_status" label="Expected status" hint="e.g. 200, 204; empty: any below 400" errors={errors}>
              <input {...aria('expected_status', true)} value={f.expected_status} onInput={set('expected_status')} />
            </Field>
          )}
          {shows('host') && (
            <Field id="host" label="Host" errors={errors}>
              <input {...aria('host')} value={f.host} onInput={set('host')} />
            </Field>
          )}
          {shows('port') && (
            <Field id="port" label="Port" errors={errors}>
              <input {...aria('port')} inputMode="numeric" value={f.port} onInput={set('port')} />
            </Field>
          )}
          {shows('server') && (
            <Field id="server" label="DNS server" hint="host:port; empty: the system's" errors={errors}>
              <input {...aria('server', true)} value={f.server} onInput={set('server')} />
            </Field>
          )}
          {shows('record') && (
            <Field id="record" label="Record" errors={errors}>
              <select {...aria('record')} value={f.record} onChange={set('record')}>
                {['A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT', 'SRV', 'PTR', 'SOA'].map((r) => <option key={r}>{r}</option>)}
              </select>
            </Field>
          )}
          <Field id="interval" label="Interval" hint="1s to 7d, e.g. 30s" errors={errors}>
            <input {...aria('interval', true)} value={f.interval} onInput={set('interval')} />
          </Field>
          {shows('timeout') && (
            <Field id="timeout" label="Timeout" hint="empty: min(10s, interval)" errors={errors}>
              <input {...aria('timeout', true)} value={f.timeout} onInput={set('timeout')} />
            </Field>
          )}
          {shows('grace') && (
            <Field id="grace" label="Grace" hint="empty: a fifth of the interval" errors={errors}>
              <input {...aria('grace', true)} value={f.grace} onInput={set('grace')} />
            </Field>
          )}
          {shows('retries') && (
            <Field id="retries" label="Retries" hint="0-5" errors={errors}>
              <input {...aria('retries', true)} inputMode="numeric" value={f.retries} onInput={set('retries')} />
            </Field>
          )}
          <Field id="failure_threshold" label="Failure threshold" hint="failed runs before down (default 3)" errors={errors}>
            <input {...aria('failure_threshold', true)} inputMode="numeric" value={f.failure_threshold} onInput={set('failure_threshold')} />
          </Field>
          <Field id="success_threshold" label="Success threshold" hint="good runs before up again (default 2)" errors={errors}>
            <input {...aria('success_threshold', true)} inputMode="numeric" value={f.success_threshold} onInput={set('success_threshold')} />
          </Field>
          <Field id="labels" label="Labels" hint="name=value, comma separated" errors={errors}>
            <input {...aria('labels', true)} class="mono" value={f.labels} onInput={set('labels')} placeholder="service=shop, team=web" />
          </Field>
          <Field id="conditions" label="Conditions" hint="one per line, all must hold (docs/CONDITIONS.md)" errors={errors}>
            <textarea {...aria('conditions', true)} class="mono" rows={3} value={f.conditions} onInput={set('conditions')} placeholder="[STATUS] == 200" />
          </Field>
          {shows('verify_tls') && (
            <div class="field check">
              <label><input type="checkbox" id="cf-verify_tls" checked={f.verify_tls} onChange={set('verify_tls')} /> Verify TLS certificate and host name</label>
              {(errors.verify_tls ?? []).map((m, i) => <small key={i} class="field-error bad" role="alert">{m}</small>)}
            </div>
          )}
          <div class="field check">
            <label><input type="checkbox" id="cf-paused" checked={f.paused} onChange={set('paused')} /> Paused</label>
          </div>
        </div>
        {state.error && (
          <div class="error" role="alert">
            {fieldList.length ? `The check was not saved: ${fieldList.length} field${fieldList.length > 1 ? 's' : ''} to fix.` : state.error.message}
            {unplaced.length > 0 && <ul>{unplaced.map((e, i) => <li key={i}><code>{e.field}</code>: {e.message}</li>)}</ul>}
          </div>
        )}
        <div class="row">
          <button type="submit" disabled={state.busy}>{editing ? 'Save' : 'Create check'}</button>
          <a href={href(editing ? `/checks/${encodeURIComponent(original.name)}` : '/checks')}>Cancel</a>
        </div>
      </form>
    </section>
  );
}

export function CheckForm({ name, whoami }) {
  const existing = useApi(name ? `/api/v1/checks/${encodeURIComponent(name)}` : null);
  if (!name) return <Form whoami={whoami} />;
  if (existing.loading && !existing.data) return <Loading what={`Loading ${name}`} />;
  if (existing.error) return <ErrorBox error={existing.error} />;
  if (existing.data.owner === 'config') {
    return (
      <section>
        <h1>{name}</h1>
        <p class="notice">This check is defined in the config file, so it is read-only here: change it in the file and reload the config.</p>
        <a href={href(`/checks/${encodeURIComponent(name)}`)}>Back to the check</a>
      </section>
    );
  }
  return <Form original={existing.data} whoami={whoami} />;
}
