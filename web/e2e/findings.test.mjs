// Findings in the dashboard, against a real pharos: a service's TCP check goes down and a
// check rule opens an incident. The analysis module turns the check failure into an anomaly
// and a finding with a sentence, and the incident shows that finding. (Log-template anomalies
// are reported when their minute closes, up to a minute later: tests/e2e/analysis_e2e_test.cpp
// covers them through the API; here they would only slow the suite down.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, tcpListener, foreignRequests, launchBrowser, login, openPage, screenshot, startPharos } from './harness.mjs';

async function clean(page) {
  assert.deepEqual(foreignRequests(page), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
}

describe('findings', () => {
  let server;
  let browser;
  let tcp;
  before(async () => {
    tcp = await tcpListener();
    server = await startPharos(`
health:
  checks:
    - {name: payments-db, type: tcp, host: 127.0.0.1, port: ${tcp.address().port}, interval: 1s, timeout: 500ms,
       failure_threshold: 1, labels: {service: payments}}
alerting:
  rules:
    - {name: PaymentsDbDown, kind: check, check: payments-db, severity: page}
analysis:
  log_warmup: 0s
  poll_interval: 1s
`);
    await eventually(async () => (await server.api('/api/v1/checks/payments-db')).state?.status === 'up', 15000, 'payments-db up');
    tcp.close();
    await eventually(async () => {
      const found = await server.api('/api/v1/findings');
      return found.data?.some((f) => f.events.some((e) => e.kind === 'check_failure' && e.signal === 'payments-db'));
    }, 30000, 'a finding with the check failure');
    await eventually(async () => (await server.api('/api/v1/incidents')).data?.length > 0, 20000, 'an incident');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the finding, its sentence and its evidence', async () => {
    const page = await openPage(browser, server);
    await login(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Findings' }).click();
    const finding = page.locator('ol.findings li').filter({ hasText: /payments/ }).first();
    await finding.waitFor();
    await screenshot(page, 'findings-list');
    await finding.getByRole('link').click();
    await page.getByRole('heading', { name: 'Finding', exact: true }).waitFor();
    const evidence = page.getByRole('table', { name: /Anomalies in this finding/ });
    await evidence.getByText('Check failure').waitFor();
    await evidence.getByText('payments-db').waitFor();
    assert.match(await page.locator('p.summary').textContent(), /payments/);
    await screenshot(page, 'finding-detail');

    await page.getByRole('link', { name: 'Findings', exact: true }).first().click();
    await page.getByRole('link', { name: 'Anomalies', exact: true }).click();
    await page.getByRole('link', { name: 'Check failure' }).click();
    await eventually(() => /view=anomalies&kind=check_failure/.test(page.url()), 5000, 'the kind in the URL');
    await page.getByRole('table', { name: /Anomalies, newest first/ }).getByText('payments-db').first().waitFor();
    await screenshot(page, 'anomalies-list');
    await clean(page);
  });

  test('the incident shows the finding that moved with it', async () => {
    const page = await openPage(browser, server);
    await login(page);
    const [incident] = (await server.api('/api/v1/incidents')).data;
    await page.goto(server.url + '/ui/#/incidents/' + encodeURIComponent(incident.id));
    await page.getByRole('heading', { name: 'Findings' }).waitFor();
    const link = page.locator('ul.findings-brief a').first();
    await link.waitFor();
    await link.click();
    await page.getByRole('heading', { name: 'Finding', exact: true }).waitFor();
    await screenshot(page, 'incident-finding');
    await clean(page);
  });
});
