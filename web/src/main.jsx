import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, session } from './api.js';
import { useRoute } from './router.js';
import { Layout, applyTheme } from './components/layout.jsx';
import { Loading } from './components/status.jsx';
import { Login } from './pages/login.jsx';
import { PAGES, NotFound } from './pages/index.jsx';
import { StatusPage } from './pages/status_page.jsx';
import './style.css';

function App() {
  const route = useRoute();
  const [whoami, setWhoami] = useState(null);
  const [checking, setChecking] = useState(!!session.key());
  useEffect(() => {
    const out = () => setWhoami(null);
    window.addEventListener('pharos:logout', out);
    if (session.key()) {
      api('/api/v1/whoami').then(setWhoami, () => session.clear()).finally(() => setChecking(false));
    }
    return () => window.removeEventListener('pharos:logout', out);
  }, []);
  if (checking) return <Loading what="Checking your key" />;
  if (!whoami) return <Login onLogin={setWhoami} />;
  const Page = PAGES[route.parts[0] ?? ''] ?? NotFound;
  return (
    <Layout route={route} whoami={whoami}>
      <Page route={route} whoami={whoami} />
    </Layout>
  );
}

applyTheme();
const root = document.getElementById('app');
root.textContent = '';
// The public status page needs no key: /status/{group} is its own small app.
const statusGroup = location.pathname.match(/^\/status\/([^/]+)\/?$/);
render(statusGroup ? <StatusPage group={decodeURIComponent(statusGroup[1])} /> : <App />, root);
