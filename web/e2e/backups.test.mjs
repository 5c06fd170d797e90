// The Backups page against a real pharos with a second target: no backups at first, "Back up
// now" makes one (copied to the second target), its row and the health cards fill in, Verify
// on the row verifies it; a viewer key sees a notice and makes no backup call.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, foreignRequests, launchBrowser, login, openPage, screenshot, startPharos, switchToDarkTheme } from './harness.mjs';

async function clean(page) {
  assert.deepEqual(foreignRequests(page), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
}

describe('backups', () => {
  let server;
  let browser;
  let second;
  before(async () => {
    second = mkdtempSync(join(tmpdir(), 'pharos-e2e-second-'));
    server = await startPharos(`
backup:
  part_size: 64KiB
  second_target: ${second}
`);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (second) rmSync(second, { recursive: true, force: true });
  });

  test('back up now, the row and the health cards, then verify', async () => {
    const page = await openPage(browser, server);
    await login(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Backups' }).click();
    await page.getByRole('heading', { name: 'Backups', level: 1 }).waitFor();
    const lastSuccess = page.locator('.card', { has: page.getByRole('heading', { name: 'Last successful backup' }) });
    await lastSuccess.getByText('none yet').waitFor();
    await page.getByText('No backups yet.').waitFor();
    const secondCard = page.locator('.card', { has: page.getByRole('heading', { name: 'Second target' }) });
    await secondCard.getByText('no copy yet').waitFor();
    await page.locator('.card', { has: page.getByRole('heading', { name: 'Newest backup' }) }).getByText('on demand only').waitFor();
    await screenshot(page, 'backups-empty');

    await page.getByRole('button', { name: 'Back up now' }).click();
    // The job's result line, then the table's row, both from the real backup.
    const result = page.locator('.bk-now .notice');
    await result.waitFor({ timeout: 15000 });
    assert.match(await result.textContent(), /succeeded.*\d+ files.*stored.*Second target: copied/s);
    const [made] = (await server.api('/api/v1/backups')).data;
    assert.ok(made, 'the API lists the backup');
    assert.match(await result.textContent(), new RegExp(made.id));
    const row = page.getByRole('table', { name: 'Backups, newest first' }).getByRole('row').filter({ hasText: made.id });
    await row.waitFor({ timeout: 15000 });
    assert.equal((await row.locator('td').nth(6).textContent()).trim(), 'yes');
    assert.equal((await row.locator('td').nth(1).textContent()).trim(), String(made.files));
    await lastSuccess.getByText(/ago$/).waitFor({ timeout: 15000 });
    await lastSuccess.getByText(/stored of .* raw/).waitFor();
    await secondCard.getByText(/1 copied, 0 failed/).waitFor({ timeout: 15000 });
    // The copy really is on the second target.
    assert.ok(readdirSync(second, { recursive: true }).some((f) => String(f).includes(made.id)), 'the copy is in the second target');
    await page.locator('svg.bk-sizes rect').first().waitFor();
    assert.equal(await page.locator('svg.bk-sizes rect').count(), 1);

    await row.getByRole('button', { name: `Verify backup ${made.id}` }).click();
    await row.getByText('verified', { exact: true }).waitFor({ timeout: 15000 });
    const jobs = page.getByRole('table', { name: 'Recent backup jobs, newest first' });
    await jobs.getByRole('row').filter({ hasText: 'verify' }).getByText('succeeded').waitFor({ timeout: 10000 });
    await jobs.getByRole('row').filter({ hasText: 'create' }).getByText('succeeded').waitFor();
    await page.getByRole('region', { name: 'How to restore' }).getByText(`pharos backup restore ${made.id} --from ${second}`).waitFor();
    await screenshot(page, 'backups-light');
    await clean(page);
  });

  test('a second backup adds a bar and a row; dark and phone width', async () => {
    const job = await server.api('/api/v1/backups', { method: 'POST' });
    await eventually(async () => (await server.api(`/api/v1/backups/jobs/${job.id}`)).state === 'succeeded', 15000, 'the second backup');
    const page = await openPage(browser, server, { width: 390, height: 844 });
    await login(page);
    await switchToDarkTheme(page);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.goto(server.url + '/ui/#/backups');
    await page.getByRole('table', { name: 'Backups, newest first' }).waitFor();
    await eventually(async () => (await page.locator('svg.bk-sizes rect').count()) === 2, 10000, 'two bars');
    assert.equal(await page.getByRole('table', { name: 'Backups, newest first' }).locator('tbody tr').count(), 2);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page is ${overflow}px wider than a phone`);
    await screenshot(page, 'backups-phone-dark');
    await page.setViewportSize({ width: 1280, height: 800 });
    await screenshot(page, 'backups-dark');
    await clean(page);
  });

  test('with a schedule: the next run, and the newest backup against the period', async () => {
    const scheduled = await startPharos(`
backup:
  schedule: "0 3 * * *"
`);
    try {
      const page = await openPage(browser, scheduled);
      await login(page);
      await page.goto(scheduled.url + '/ui/#/backups');
      const newest = page.locator('.card', { has: page.getByRole('heading', { name: 'Newest backup' }) });
      await newest.locator('.pill-bad').getByText('no backup yet').waitFor();
      const next = page.locator('.card', { has: page.getByRole('heading', { name: 'Next scheduled run' }) });
      await next.getByText('0 3 * * *').waitFor();
      const status = await scheduled.api('/api/v1/backups/status');
      assert.ok(status.next_run_at, 'the server says when the next run is');
      await next.getByText(status.next_run_at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')).waitFor();
      await page.locator('.card', { has: page.getByRole('heading', { name: 'Second target' }) }).getByText('not configured').waitFor();
      await page.getByRole('button', { name: 'Back up now' }).click();
      await newest.locator('.pill-ok').getByText('on schedule').waitFor({ timeout: 15000 });
      await screenshot(page, 'backups-scheduled');
      await clean(page);
    } finally {
      await scheduled.stop();
    }
  });

  test('a viewer sees a notice and no backup call is made', async () => {
    const made = await server.api('/api/v1/keys', { method: 'POST', body: { name: 'watcher', role: 'viewer' } });
    const page = await openPage(browser, server);
    await login(page, made.token);
    await page.goto(server.url + '/ui/#/backups');
    await page.getByText(/Backups need an admin key; you are logged in as watcher \(viewer\)/).waitFor();
    await page.waitForLoadState('networkidle');
    assert.deepEqual(page.requests.filter((u) => u.includes('/api/v1/backups')), []);
    assert.equal(await page.getByRole('button', { name: 'Back up now' }).count(), 0);
    await clean(page);
  });
});
