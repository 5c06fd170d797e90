// The page for each first path segment (#/checks/… -> PAGES.checks). A page for a capability
// that is not built yet is absent, not faked.
import { Overview } from './overview.jsx';
import { Alerts } from './alerts.jsx';
import { Silences } from './silences.jsx';
import { Incidents } from './incidents.jsx';
import { Notifications } from './notifications.jsx';
import { Admin } from './admin.jsx';

export const PAGES = {
  '': Overview,
  alerts: Alerts,
  silences: Silences,
  incidents: Incidents,
  notifications: Notifications,
  admin: Admin,
};

export function NotFound({ route }) {
  return (
    <section>
      <h1>Not found</h1>
      <p>There is no page at <code>{route.path}</code>. <a href="#/">Back to the overview</a>.</p>
    </section>
  );
}
