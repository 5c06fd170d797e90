// The dashboard's frame: log in, the overview, a check failing turns its service red, the
// public status page, themes, a phone-width layout, keyboard access, and no request to any
// other host. Screenshots go to $PHAROS_E2E_OUT.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, tcpListener, foreignRequests, launchBrowser, login, openPage, screenshot, startPharos, switchToDarkTheme } from './harness.mjs';

describe('dashboard frame', () => {
  let server;
  let browser;
  let web;
  before(async () => {
    web = await tcpListener();
    const port = web.address().port;
    server = await startPharos(`
health:
  checks:
    - {name: web-home, type: tcp, host: 127.0.0.1, port: ${port}, interval: 1s, timeout: 500ms,
       failure_threshold: 1, labels: {service: web, team: shop}}
    - {name: db-primary, type: tcp, host: 127.0.0.1, port: ${port}, interval: 1s, timeout: 500ms,
       labels: {service: db, team: data}}
status_pages:
  - {name: shop, title: "Shop status", labels: 'team="shop"', public: true}
  - {name: internal, labels: 'team="data"'}
`);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    web?.close();
  });

  test('a wrong key is refused with a clear message', async () => {
    const page = await openPage(browser, server);
    await page.goto(server.url + '/ui/');
    await page.getByLabel('API key').fill('phk_nope_0000');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
    await page.context().close();
  });

  test('the root URL sends a browser to the dashboard', async () => {
    const page = await openPage(browser, server);
    await page.goto(server.url + '/');
    assert.match(page.url(), /\/ui\/$/);
    await page.getByLabel('API key').waitFor();
    await page.context().close();
  });

  test('log in, see the overview, and a failing check turns its service red', async () => {
    await eventually(async () => (await server.api('/api/v1/checks/web-home')).state?.status === 'up', 15000, 'web-home up');
    const page = await openPage(browser, server);
    await login(page);
    const row = page.getByRole('row', { name: /^web/ });
    await row.getByText('up', { exact: true }).waitFor();
    await screenshot(page, 'overview');

    web.close();
    await row.getByText('down', { exact: true }).waitFor({ timeout: 20000 });
    // Down services come first.
    const first = await page.locator('table.services tbody tr').first().locator('th').textContent();
    assert.ok(['web', 'db'].includes(first), first);
    await screenshot(page, 'overview-down');
    assert.deepEqual(foreignRequests(page), []);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  test('the public status page needs no key and shows only public groups', async () => {
    const page = await openPage(browser, server);
    await page.goto(server.url + '/status/shop');
    await page.getByRole('heading', { name: 'Shop status' }).waitFor();
    await page.getByText('web-home').waitFor();
    assert.equal(await page.getByText('db-primary').count(), 0);
    await screenshot(page, 'status-page');
    const internal = await fetch(server.url + '/api/v1/status/internal');
    assert.equal(internal.status, 404);
    assert.deepEqual(foreignRequests(page), []);
    await page.context().close();
  });

  test('dark theme, phone width, keyboard', async () => {
    const page = await openPage(browser, server, { width: 390, height: 844 });
    await login(page);
    await switchToDarkTheme(page);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page is ${overflow}px wider than a phone`);
    await screenshot(page, 'overview-phone-dark');
    // From the top of a fresh page, the first Tab reaches the skip link.
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
    await page.context().close();
  });
});
