// Every page checked by axe-core (WCAG 2 A and AA: labelled controls, contrast, landmarks,
// names of buttons and links…) in the light and the dark theme, with data on it. Any
// serious or critical violation fails the test and names the page, the rule and the nodes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { eventually, launchBrowser, startPharos, tcpListener } from './harness.mjs';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const PAGES = ['#/', '#/checks', '#/checks/web-home', '#/slos', '#/slos/web-availability', '#/reports',
  '#/metrics?expr=pharos_uptime_seconds', '#/logs', '#/logs/patterns', '#/alerts', '#/silences',
  '#/incidents', '#/findings', '#/findings?view=anomalies', '#/notifications', '#/admin', '#/backups'];

async function violations(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

describe('accessibility', () => {
  let server;
  let browser;
  let target;
  before(async () => {
    target = await tcpListener();
    server = await startPharos(`
health:
  checks:
    - {name: web-home, type: tcp, host: 127.0.0.1, port: ${target.address().port}, interval: 1s,
       labels: {service: web, team: shop}}
slos:
  - {name: web-availability, objective: 99.5, window: 7d, check: web-home, labels: {service: web}}
status_pages:
  - {name: shop, title: "Shop status", labels: 'team="shop"', public: true}
`);
    await server.api('/api/v1/logs', { method: 'POST', body: '{"service":"web","level":"error","message":"upstream timed out after 30s"}\n', headers: { 'Content-Type': 'application/x-ndjson' } });
    await eventually(async () => (await server.api('/api/v1/checks/web-home')).state?.last_run, 15000, 'a first run');
    const backup = await server.api('/api/v1/backups', { method: 'POST' });
    await eventually(async () => (await server.api(`/api/v1/backups/jobs/${backup.id}`)).state === 'succeeded', 15000, 'a first backup');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    target?.close();
  });

  for (const theme of ['light', 'dark']) {
    test(`every page in the ${theme} theme`, async () => {
      // axe is injected by the test, which the page's own CSP would refuse.
      const context = await browser.newContext({ bypassCSP: true, colorScheme: theme });
      const page = await context.newPage();
      const found = [];
      await page.goto(server.url + '/ui/');
      await page.getByLabel('API key').waitFor();
      found.push(...(await violations(page)).map((v) => `login: ${v}`));
      await page.evaluate((key) => sessionStorage.setItem('pharos.key', key), server.key);
      await page.reload();
      for (const route of PAGES) {
        await page.goto(server.url + '/ui/' + route);
        await page.getByRole('navigation', { name: 'Main' }).waitFor();
        await page.waitForLoadState('networkidle');
        found.push(...(await violations(page)).map((v) => `${route}: ${v}`));
      }
      await page.goto(server.url + '/status/shop');
      await page.getByRole('heading', { name: 'Shop status' }).waitFor();
      found.push(...(await violations(page)).map((v) => `status page: ${v}`));
      await context.close();
      assert.deepEqual(found, []);
    });
  }
});
