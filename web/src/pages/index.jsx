// The page for each first path segment (#/checks/… -> PAGES.checks). A page for a capability
// that is not built yet is absent, not faked.
import { Overview } from './overview.jsx';
import { Checks } from './checks.jsx';
import { Slos } from './slos.jsx';
import { UptimeReport } from './uptime_report.jsx';
import { Alerts } from './alerts.jsx';
import { Silences } from './silences.jsx';
import { Incidents } from './incidents.jsx';
import { Notifications } from './notifications.jsx';
import { Admin } from './admin.jsx';
import { Logs } from './logs.jsx';
import { Metrics } from './metrics.jsx';
import { Findings } from './findings.jsx';
import { Backups } from './backups.jsx';

export const PAGES = {
  '': Overview,
  checks: Checks,
  slos: Slos,
  reports: UptimeReport,
  alerts: Alerts,
  silences: Silences,
  incidents: Incidents,
  notifications: Notifications,
  admin: Admin,
  logs: Logs,
  metrics: Metrics,
  findings: Findings,
  backups: Backups,
};

export function NotFound({ route }) {
  return (
    <section>
      <h1>Not found</h1>
      <p>There is no page at <code>{route.path}</code>. <a href="#/">Back to the overview</a>.</p>
    </section>
  );
}
