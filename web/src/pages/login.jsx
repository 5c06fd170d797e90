import { useState } from 'preact/hooks';
import { api, session } from '../api.js';
import { ErrorBox } from '../components/status.jsx';

// Asks for an API key, checks it against /api/v1/whoami, and keeps it for this tab only.
export function Login({ onLogin }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    session.set(key.trim());
    try {
      const who = await api('/api/v1/whoami');
      onLogin(who);
    } catch (err) {
      session.clear();
      setError(err.status === 401 ? new Error('That key is not valid (unknown, revoked or mistyped).') : err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="login">
      <form onSubmit={submit} class="card">
        <h1>Pharos</h1>
        <p class="muted">Log in with an API key (a viewer key can look; an editor key can change things).</p>
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="off" required placeholder="phk_…" value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        <button type="submit" disabled={busy || !key.trim()}>{busy ? 'Checking…' : 'Log in'}</button>
        <ErrorBox error={error} />
      </form>
    </main>
  );
}
