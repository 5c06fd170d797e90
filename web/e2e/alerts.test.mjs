// Alerting in the dashboard, against a real pharos: a tcp check on a port that then closes,
// a `check` rule that fires, a webhook receiver (a local Node server) that gets the page.
// The firing alert, a silence made from it and expired, the incident acknowledged with a
// note, the delivered notification and its attempt log, a receiver test, the dead-letter
// redrive, and the Admin page: a key created (token once), revoked, and in the audit log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { eventually, tcpListener, foreignRequests, launchBrowser, login, openPage, screenshot, startPharos, switchToDarkTheme } from './harness.mjs';

// A webhook receiver that keeps every body it gets.
function webhook() {
  const received = [];
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end('ok');
      });
    });
    server.received = received;
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

// What the page did wrong, less the console lines a test provokes on purpose (a 400 the
// form shows as field errors).
const problems = (page, expected = []) => page.problems.filter((p) => !expected.some((re) => re.test(p)));

async function clean(page, expected) {
  assert.deepEqual(foreignRequests(page), []);
  assert.deepEqual(problems(page, expected), []);
  await page.context().close();
}

describe('alerts, silences, incidents, notifications, admin', () => {
  let server;
  let browser;
  let tcp;
  let hook;
  before(async () => {
    tcp = await tcpListener();
    hook = await webhook();
    server = await startPharos(`
health:
  checks:
    - {name: shop-api, type: tcp, host: 127.0.0.1, port: ${tcp.address().port}, interval: 1s, timeout: 500ms,
       failure_threshold: 1, labels: {service: shop}}
alerting:
  route: {receiver: ops, group_wait: 1s, group_interval: 1s}
  rules:
    - {name: ShopDown, kind: check, check: shop-api, severity: page,
       annotations: {summary: 'the shop API is down'}}
notify:
  receivers:
    - {name: ops, type: webhook, url: 'http://127.0.0.1:${hook.address().port}/hook'}
`);
    await eventually(async () => (await server.api('/api/v1/checks/shop-api')).state?.status === 'up', 15000, 'shop-api up');
    tcp.close();
    await eventually(() => hook.received.length > 0, 20000, 'the webhook to get the page');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    hook?.close();
  });

  test('the firing alert, its history and the rules', async () => {
    const page = await openPage(browser, server);
    await login(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click();
    const row = page.getByRole('row', { name: /ShopDown/ });
    await row.getByText('firing', { exact: true }).waitFor();
    await row.getByText('the shop API is down').waitFor();
    await row.getByText('service="shop"').waitFor();
    assert.match(await page.getByTestId('alerts-summary').textContent(), /1 firing/);
    await screenshot(page, 'alerts-firing');

    await page.getByRole('link', { name: 'History' }).click();
    // In the history table: until the tab renders, the firing alert's own row matches too.
    const change = page.getByRole('table', { name: /Alert state changes/ }).getByRole('row', { name: /ShopDown/ }).first();
    await change.getByText('firing', { exact: true }).waitFor();
    await page.getByLabel('Rule').selectOption('ShopDown');
    await eventually(() => /tab=history&rule=ShopDown/.test(page.url()), 5000, 'the rule in the URL');
    await change.waitFor();
    await screenshot(page, 'alerts-history');

    await page.getByRole('link', { name: 'Rules' }).click();
    const rule = page.getByRole('row', { name: /ShopDown/ });
    await rule.getByText('1 firing').waitFor();
    await rule.getByText('none').waitFor(); // no evaluation error
    await screenshot(page, 'alerts-rules');
    await clean(page);
  });

  test('silence the alert from its row, see it active, then expire it', async () => {
    const page = await openPage(browser, server);
    await login(page);
    await page.goto(server.url + '/ui/#/alerts');
    await page.getByRole('link', { name: /^Silence ShopDown/ }).click();
    await page.getByRole('heading', { name: 'New silence' }).waitFor();
    // Prefilled with the alert's labels as equality matchers.
    const values = await page.locator('ol.matchers input').evaluateAll((inputs) => inputs.map((i) => i.value));
    assert.deepEqual(values, ['alertname="ShopDown"', 'check="shop-api"', 'service="shop"', 'severity="page"', 'type="tcp"']);

    // A bad matcher: the 400's field error is shown next to it, and nothing is created.
    await page.getByRole('button', { name: 'Add matcher' }).click();
    await page.getByLabel('Matcher 6', { exact: true }).fill('team is shop');
    await page.getByRole('button', { name: 'Create silence' }).click();
    await page.locator('#err-matcher-5').filter({ hasText: 'invalid label matcher' }).waitFor();
    assert.equal(await page.getByLabel('Matcher 6', { exact: true }).getAttribute('aria-invalid'), 'true');
    assert.equal((await server.api('/api/v1/silences')).data.length, 0);
    await screenshot(page, 'silences-form-error');

    await page.getByRole('button', { name: 'Remove matcher 6' }).click();
    await page.getByLabel('Duration').selectOption('60');
    await page.getByLabel('Comment').fill('deploying the shop');
    await page.getByRole('button', { name: 'Create silence' }).click();
    const row = page.getByRole('row', { name: /alertname="ShopDown"/ });
    await row.getByText('active', { exact: true }).waitFor();
    await row.getByText('deploying the shop').waitFor();
    await row.getByText('admin').waitFor();
    const [made] = (await server.api('/api/v1/silences?status=active')).data;
    assert.equal(made.created_by, 'admin');
    assert.equal(made.matchers.length, 5);
    const minutes = (Date.parse(made.ends_at) - Date.now()) / 60000;
    assert.ok(minutes > 55 && minutes <= 60, `ends in ${minutes} min`);
    await screenshot(page, 'silences-active');

    await row.getByRole('button', { name: /^Expire silence/ }).click();
    await page.getByText('No active silences.').waitFor();
    assert.equal((await server.api(`/api/v1/silences/${made.id}`)).status, 'expired');
    await page.getByRole('link', { name: 'Expired' }).click();
    await page.getByRole('row', { name: /alertname="ShopDown"/ }).getByText('expired', { exact: true }).waitFor();
    await screenshot(page, 'silences-expired');
    await clean(page, [/status of 400/]);
  });

  test('the incident: acknowledge it, add a note, see the timeline', async () => {
    const page = await openPage(browser, server);
    await login(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents' }).click();
    const link = page.getByRole('link', { name: /ShopDown/ });
    await page.getByRole('row', { name: /ShopDown/ }).getByText('open', { exact: true }).waitFor();
    await screenshot(page, 'incidents-list');
    await link.click();
    await page.getByRole('heading', { name: /ShopDown/ }).waitFor();
    const timeline = page.getByRole('list', { name: /Timeline/ });
    await timeline.getByText('Alert fired').waitFor();
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await timeline.getByRole('listitem').filter({ hasText: 'Acknowledged' }).getByText('by admin').waitFor();
    await page.getByRole('heading', { name: /ShopDown/ }).getByText('acknowledged', { exact: true }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Acknowledge' }).count(), 0);

    await page.getByLabel('Add a note').fill('restarting the shop pods');
    await page.getByRole('button', { name: 'Add note' }).click();
    await timeline.getByRole('listitem').filter({ hasText: 'restarting the shop pods' }).getByText('Note').waitFor();
    const id = decodeURIComponent(page.url().split('#/incidents/')[1]);
    const incident = await server.api(`/api/v1/incidents/${id}`);
    assert.equal(incident.status, 'acknowledged');
    assert.equal(incident.acknowledged_by, 'admin');
    assert.ok(incident.timeline.some((t) => t.kind === 'note' && t.text === 'restarting the shop pods' && t.who === 'admin'));
    await screenshot(page, 'incident-detail');
    await clean(page);
  });

  test('notifications: the delivered attempt, a receiver test, redrive', async () => {
    const page = await openPage(browser, server);
    await login(page);
    await page.goto(server.url + '/ui/#/alerts');
    await page.getByRole('navigation', { name: 'Alerting sections' }).getByRole('link', { name: 'Notifications' }).click();
    const row = page.getByRole('row', { name: /ops/ }).filter({ hasText: 'delivered' }).first();
    await row.waitFor();
    await page.getByRole('button', { name: 'Test receiver ops' }).click();
    await page.getByRole('region', { name: 'Test notification for ops' }).getByText(`POST http://127.0.0.1:${hook.address().port}/hook`).waitFor();
    await page.getByText('PharosTestNotification').first().waitFor();
    await page.getByRole('button', { name: 'Redrive dead letters' }).click();
    assert.equal(await page.getByTestId('redriven').textContent(), 'Redriven: 0');
    await screenshot(page, 'notifications');

    await page.getByLabel('Status').selectOption('dead');
    await page.getByText('No notifications with status dead.').waitFor();
    await page.getByLabel('Status').selectOption('delivered');
    await row.getByRole('link').click();
    const attempt = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'HTTP' }) }).getByRole('row').nth(1);
    await attempt.getByText('delivered', { exact: true }).waitFor();
    assert.equal(await attempt.locator('td.num').first().textContent(), '200');
    await screenshot(page, 'notification-detail');
    // Nothing from the test preview reached the webhook: it renders, it does not send.
    assert.ok(hook.received.every((b) => b.commonLabels?.alertname !== 'PharosTestNotification'));
    await clean(page);
  });

  test('admin: create a key (token once), revoke it, see the audit log', async () => {
    const page = await openPage(browser, server);
    await login(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.getByLabel('Name').fill('grafana-e2e');
    await page.getByLabel('Role').selectOption('viewer');
    await page.getByRole('button', { name: 'Create key' }).click();
    const token = await page.getByLabel('Token', { exact: true }).inputValue();
    assert.match(token, /^phk_[0-9a-z]+_[0-9a-f]+$/);
    await page.getByText('it is shown this once').waitFor();
    // The token works, as a viewer.
    const who = await (await fetch(server.url + '/api/v1/whoami', { headers: { Authorization: `Bearer ${token}` } })).json();
    assert.equal(who.role, 'viewer');
    await screenshot(page, 'admin-token');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await page.getByLabel('Token', { exact: true }).waitFor({ state: 'detached' });
    assert.equal(await page.getByLabel('Token', { exact: true }).count(), 0);
    assert.equal(await page.locator(`text=${token}`).count(), 0);

    const row = page.getByRole('row', { name: /grafana-e2e/ });
    await row.getByRole('button', { name: 'Revoke grafana-e2e' }).click();
    await row.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await server.api('/api/v1/keys')).keys.find((k) => k.name === 'grafana-e2e').revokedAt ?? null, null);
    await row.getByRole('button', { name: 'Revoke grafana-e2e' }).click();
    await row.getByRole('button', { name: 'Revoke key' }).click();
    await row.getByText(/^revoked/).waitFor();
    const refused = await fetch(server.url + '/api/v1/whoami', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(refused.status, 401);

    const audit = page.getByRole('table').filter({ has: page.locator('caption', { hasText: 'Audit log' }) });
    await eventually(async () => (await audit.getByText('POST /api/v1/keys').count()) > 0, 15000, 'the key creation in the audit log');
    await audit.getByText(/^DELETE \/api\/v1\/keys\//).first().waitFor({ timeout: 15000 });
    await screenshot(page, 'admin');
    await clean(page);
  });

  test('a viewer sees no edit controls and no admin; dark theme and phone width', async () => {
    const viewer = await server.api('/api/v1/keys', { method: 'POST', body: { name: 'looker', role: 'viewer' } });
    const page = await openPage(browser, server, { width: 390, height: 844 });
    await login(page, viewer.token);
    await switchToDarkTheme(page);
    await page.goto(server.url + '/ui/#/alerts');
    await page.getByRole('row', { name: /ShopDown/ }).getByText('firing', { exact: true }).waitFor();
    assert.equal(await page.getByRole('link', { name: /^Silence ShopDown/ }).count(), 0);
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok((await overflow()) <= 1, `alerts is ${await overflow()}px wider than a phone`);
    await screenshot(page, 'alerts-phone-dark');

    await page.goto(server.url + '/ui/#/incidents');
    await page.getByRole('link', { name: /ShopDown/ }).click();
    await page.getByRole('list', { name: /Timeline/ }).getByText('Acknowledged').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Resolve' }).count(), 0);
    assert.equal(await page.getByLabel('Add a note').count(), 0);
    assert.ok((await overflow()) <= 1, `the incident is ${await overflow()}px wider than a phone`);
    await screenshot(page, 'incident-phone-dark');

    await page.goto(server.url + '/ui/#/silences?status=expired');
    // In the silences table: until the page renders, the incident's alert row matches too.
    await page.getByRole('table', { name: 'expired silences' }).getByRole('row', { name: /ShopDown/ }).waitFor();
    assert.equal(await page.getByRole('button', { name: /Expire/ }).count(), 0);
    await screenshot(page, 'silences-phone-dark');

    await page.goto(server.url + '/ui/#/notifications');
    await page.getByRole('row', { name: /ops/ }).first().waitFor();
    assert.equal(await page.getByRole('button', { name: /Test receiver|Redrive/ }).count(), 0);
    await screenshot(page, 'notifications-phone-dark');

    await page.goto(server.url + '/ui/#/admin');
    await page.getByText('needs an admin key').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Create key' }).count(), 0);
    await screenshot(page, 'admin-viewer');
    await clean(page);
  });

  test('an editor at phone width: the silence form and the admin page fit', async () => {
    const page = await openPage(browser, server, { width: 390, height: 844 });
    await login(page);
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await page.goto(server.url + '/ui/#/alerts');
    await page.getByRole('link', { name: /^Silence ShopDown/ }).click();
    await page.getByRole('radio', { name: 'Recurring' }).check();
    await page.getByLabel('Every (cron, UTC)').waitFor();
    assert.ok((await overflow()) <= 1, `the silence form is ${await overflow()}px wider than a phone`);
    await screenshot(page, 'silences-form-phone');
    await page.goto(server.url + '/ui/#/admin');
    await page.getByRole('row', { name: /looker/ }).waitFor();
    assert.ok((await overflow()) <= 1, `admin is ${await overflow()}px wider than a phone`);
    await screenshot(page, 'admin-phone');
    await clean(page);
  });
});
