import { useEffect, useState } from 'preact/hooks';

// Hash routes (#/checks/web?labels=…): the server serves one page for all of them, and a
// reload or a shared link lands on the same view.
export function parseHash(hash = location.hash) {
  const raw = hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { path, parts, params: new URLSearchParams(query) };
}

export function useRoute() {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const on = () => setRoute(parseHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export const href = (path, params) => {
  const query = params ? new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== '')).toString() : '';
  return '#' + path + (query ? '?' + query : '');
};

// Replaces the query of the current route without adding a history entry per keystroke.
export function setParams(params) {
  const { path } = parseHash();
  history.replaceState(null, '', href(path, params));
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}
