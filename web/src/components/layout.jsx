import { useEffect, useState } from 'preact/hooks';
import { session } from '../api.js';

const NAV = [
  ['/', 'Overview'],
  ['/checks', 'Checks'],
  ['/slos', 'SLOs'],
  ['/metrics', 'Metrics'],
  ['/logs', 'Logs'],
  ['/alerts', 'Alerts'],
  ['/incidents', 'Incidents'],
  ['/findings', 'Findings'],
  ['/backups', 'Backups'],
  ['/admin', 'Admin'],
];

const THEME = 'pharos.theme';

export function applyTheme(theme = localStorage.getItem(THEME)) {
  if (theme) document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}

function ThemeToggle() {
  const [theme, setTheme] = useState(localStorage.getItem(THEME) ?? '');
  useEffect(() => applyTheme(theme || undefined), [theme]);
  const next = theme === 'dark' ? 'light' : theme === 'light' ? '' : 'dark';
  return (
    <button
      type="button"
      class="ghost"
      aria-label={`Theme: ${theme || 'system'}; switch to ${next || 'system'}`}
      onClick={() => {
        if (next) localStorage.setItem(THEME, next);
        else localStorage.removeItem(THEME);
        setTheme(next);
      }}>
      {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'}
    </button>
  );
}

export function Layout({ route, whoami, children }) {
  const current = '/' + (route.parts[0] ?? '');
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/">Pharos</a>
        <nav aria-label="Main">
          {NAV.map(([path, label]) => (
            <a key={path} href={'#' + path} aria-current={current === path ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <div class="who">
          {whoami && <span class="muted" title={`key ${whoami.key_id}`}>{whoami.name} ({whoami.role})</span>}
          <ThemeToggle />
          <button type="button" class="ghost" onClick={() => { session.clear(); window.dispatchEvent(new Event('pharos:logout')); }}>
            Log out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>{children}</main>
    </>
  );
}

// What a key's role may do, for showing or hiding edit controls (the API decides anyway).
export const can = (whoami, scope) => !!whoami?.scopes?.includes(scope);
