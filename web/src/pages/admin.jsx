import { useEffect, useState } from 'preact/hooks';
import { api, q } from '../api.js';
import { useAction, useApi } from '../hooks.js';
import { ago, time } from '../format.js';
import { can } from '../components/layout.jsx';
import { Pager, usePager } from '../components/pager.jsx';
import { ErrorBox, Loading, StatusPill } from '../components/status.jsx';

const ROLES = ['viewer', 'editor', 'ingest', 'admin'];
// The keys and audit routes answer in camelCase today while API.md documents snake_case:
// read either.
const pick = (o, snake, camel) => o?.[snake] ?? o?.[camel] ?? null;

// The token of a key just created: shown this once, with a copy button.
function NewToken({ made, onDone }) {
  const [copied, setCopied] = useState('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(made.token);
      setCopied('Copied to the clipboard.');
    } catch {
      setCopied('Copying is not allowed here: select the token and copy it by hand.');
    }
  };
  return (
    <div class="notice stack token-box" role="region" aria-label="New key token">
      <p><strong>Key “{made.name}” ({made.role}) created.</strong> Copy its token now: it is shown this once and cannot be shown again.</p>
      <label for="new-token">Token</label>
      <div class="row">
        <input id="new-token" class="mono grow" readOnly value={made.token} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={copy}>Copy</button>
      </div>
      {copied && <p role="status" class="small">{copied}</p>}
      <div><button type="button" class="secondary" onClick={onDone}>I have copied it</button></div>
    </div>
  );
}

function KeyRow({ k, self, onRevoked }) {
  const [confirming, setConfirming] = useState(false);
  const [revoke, state] = useAction(() => api(`/api/v1/keys/${encodeURIComponent(k.id)}`, { method: 'DELETE' }));
  const revoked = pick(k, 'revoked_at', 'revokedAt');
  const lastUsed = pick(k, 'last_used_at', 'lastUsedAt');
  return (
    <tr class={revoked ? 'revoked' : undefined}>
      <th scope="row">{k.name}{self && <span class="muted small"> (your key)</span>}</th>
      <td><code>{k.id}</code></td>
      <td>{k.role}</td>
      <td title={ago(pick(k, 'created_at', 'createdAt'))}>{time(pick(k, 'created_at', 'createdAt'))}</td>
      <td title={lastUsed ? time(lastUsed) : undefined}>{lastUsed ? ago(lastUsed) : <span class="muted">never</span>}</td>
      <td>{revoked ? <StatusPill status="expired" label={`revoked ${ago(revoked)}`} /> : <StatusPill status="active" label="active" />}</td>
      <td>
        {!revoked && !self && (confirming ? (
          <div class="row" role="group" aria-label={`Confirm revoking ${k.name}`}>
            <span class="small">Revoke “{k.name}”? It stops working at once.</span>
            <button type="button" class="danger" disabled={state.busy} onClick={async () => { if ((await revoke()) !== undefined) { setConfirming(false); onRevoked(); } }}>Revoke key</button>
            <button type="button" class="ghost" onClick={() => setConfirming(false)}>Cancel</button>
          </div>
        ) : (
          <button type="button" class="secondary" aria-label={`Revoke ${k.name}`} onClick={() => setConfirming(true)}>Revoke…</button>
        ))}
        <ErrorBox error={state.error} />
      </td>
    </tr>
  );
}

function Keys({ whoami, onChange }) {
  const { data, error, loading, reload } = useApi('/api/v1/keys');
  const [name, setName] = useState('');
  const [role, setRole] = useState('viewer');
  const [made, setMade] = useState(null);
  const [create, state] = useAction((body) => api('/api/v1/keys', { method: 'POST', body }));
  const submit = async (e) => {
    e.preventDefault();
    const out = await create({ name: name.trim(), role });
    if (out) {
      setMade(out);
      setName('');
      reload();
      onChange();
    }
  };
  const keys = data?.keys ?? [];
  return (
    <section aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <form class="inline" onSubmit={submit} aria-label="Create an API key">
        <div>
          <label for="key-name">Name</label>
          <input id="key-name" value={name} required onInput={(e) => setName(e.currentTarget.value)} placeholder="grafana" />
        </div>
        <div>
          <label for="key-role">Role</label>
          <select id="key-role" value={role} onChange={(e) => setRole(e.currentTarget.value)}>
            {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
          </select>
        </div>
        <button type="submit" disabled={state.busy || !name.trim()}>{state.busy ? 'Creating…' : 'Create key'}</button>
      </form>
      <ErrorBox error={state.error} />
      {made && <NewToken made={made} onDone={() => setMade(null)} />}
      <ErrorBox error={error} />
      {loading && !data ? <Loading what="Loading keys" /> : (
        <div class="table-wrap">
          <table class="keys">
            <caption class="sr-only">API keys</caption>
            <thead>
              <tr><th scope="col">Name</th><th scope="col">Id</th><th scope="col">Role</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
            </thead>
            <tbody>{keys.map((k) => <KeyRow key={k.id} k={k} self={k.id === whoami.key_id} onRevoked={() => { reload(); onChange(); }} />)}</tbody>
          </table>
        </div>
      )}
    </section>
  );
}

// `changed` counts the writes made on this page, so the log shows them at once.
function Audit({ changed }) {
  const pager = usePager();
  const { data, error, loading, reload } = useApi('/api/v1/audit' + q({ limit: 50, before: pager.cursor }), { refreshMs: pager.cursor ? 0 : 15000 });
  useEffect(() => {
    if (changed && !pager.cursor) reload();
  }, [changed]);
  const entries = data?.entries ?? data?.data ?? [];
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <ErrorBox error={error} />
      {loading && !data ? <Loading what="Loading the audit log" /> : entries.length === 0 ? <p class="muted">Nothing audited yet.</p> : (
        <div class="table-wrap">
          <table class="audit">
            <caption class="sr-only">Audit log, newest first</caption>
            <thead><tr><th scope="col">At</th><th scope="col">Action</th><th scope="col">Key</th><th scope="col">Outcome</th><th scope="col" class="hide-narrow">Target</th><th scope="col" class="hide-narrow">From</th></tr></thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id}>
                  <td title={ago(e.at)}>{time(e.at)}</td>
                  <th scope="row"><code>{e.action}</code></th>
                  <td><code>{pick(e, 'key_id', 'keyId') || '–'}</code></td>
                  <td><span class={String(e.outcome).startsWith('2') ? 'ok' : 'bad'}>{e.outcome}</span></td>
                  <td class="hide-narrow">{e.target || <span class="muted">–</span>}</td>
                  <td class="hide-narrow">{pick(e, 'remote_address', 'remoteAddress') ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager pager={pager} next={entries.length < 50 ? null : data?.next} />
    </section>
  );
}

export function Admin({ whoami }) {
  const [changed, setChanged] = useState(0);
  if (!can(whoami, 'admin')) {
    return (
      <section aria-labelledby="admin-title">
        <h1 id="admin-title">Admin</h1>
        <p class="notice">Administration (API keys, the audit log) needs an admin key; you are logged in as {whoami.name} ({whoami.role}).</p>
      </section>
    );
  }
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">Admin</h1>
      <Keys whoami={whoami} onChange={() => setChanged((n) => n + 1)} />
      <Audit changed={changed} />
    </section>
  );
}
