// Logs and metrics pages against a real `pharos serve`: lines ingested through the API are
// found by a search (highlighted, escaped), level and stats queries, paging, a bad query's
// message, the patterns tab, a live tail that shows a line ingested after it opened and
// closes when left, and the metrics explorer's chart, table and errors. Screenshots go to
// $PHAROS_E2E_OUT.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, foreignRequests, launchBrowser, login, openPage, screenshot, sleep, startPharos, waitOrExplain } from './harness.mjs';

const WORD = `zebracorn${Date.now() % 100000}`;
// A parameter of the page's hash route (#/logs?q=…).
const hashParam = (page, name) => new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '').get(name);

describe('logs and metrics pages', () => {
  let server;
  let browser;
  const ingest = (records) => server.api('/api/v1/logs', {
    method: 'POST',
    body: records.map((r) => JSON.stringify(r)).join('\n') + '\n',
    headers: { 'Content-Type': 'application/x-ndjson' },
  });
  const search = async (query, extra = '') =>
    server.api('/api/v1/logs/query?query=' + encodeURIComponent(query) + extra);
  // `expected400`: the browser logs a refused request (a bad query's 400) as a console error.
  const clean = (page, expected400 = 0) => {
    assert.deepEqual(foreignRequests(page), []);
    const refused = page.problems.filter((p) => /status of 400/.test(p));
    assert.equal(refused.length, expected400, page.problems.join('\n'));
    assert.deepEqual(page.problems.filter((p) => !/status of 400/.test(p)), []);
  };
  const open = async (hash, size) => {
    const page = await openPage(browser, server, size);
    await login(page);
    await page.goto(server.url + '/ui/#' + hash);
    return page;
  };

  before(async () => {
    server = await startPharos('');
    const out = await ingest([
      { service: 'checkout', level: 'error', message: `payment declined for order 1234: ${WORD} <b>card</b>`, pod: 'co-1', trace_id: '4bf92f3577b34da6' },
      { service: 'checkout', level: 'warn', message: 'slow payment provider 900 ms', pod: 'co-2' },
      { service: 'checkout', level: 'fatal', message: 'out of memory in worker 3' },
      { service: 'web', level: 'info', message: `GET /index.html 200 12 ms ${WORD}x` },
      { service: 'web', level: 'debug', message: 'cache warm' },
      ...Array.from({ length: 150 }, (_, i) => ({ service: 'batch', level: 'info', message: `processed item ${i} of 150` })),
    ]);
    assert.equal(out.accepted, 155);
    await eventually(async () => (await search('service:batch', '&limit=1000')).records.length === 150, 15000, 'lines searchable');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('a search finds a line just ingested, highlighted and escaped, with its attributes', async () => {
    const page = await open(`/logs?q=${encodeURIComponent(WORD)}&since=1h`);
    const row = page.locator('table.logs tbody tr.log-row');
    await waitOrExplain(page, row.first());
    // The whole-token rule: `${WORD}x` in the web line is not a match.
    assert.equal(await row.count(), 1);
    assert.equal(await row.locator('mark').textContent(), WORD);
    // The message's markup is text, not elements.
    assert.match(await row.locator('.log-message').textContent(), /<b>card<\/b>/);
    assert.equal(await page.locator('table.logs b').count(), 0);
    assert.equal(await row.locator('.level').textContent(), 'error');
    await row.getByRole('button', { name: 'Show details' }).click();
    const detail = page.locator('tr.log-detail');
    await detail.getByText('co-1').waitFor();
    await detail.getByRole('link', { name: '4bf92f3577b34da6' }).waitFor();
    await screenshot(page, 'logs-search');

    // Typing a query puts it in the URL, and that URL reproduces the view.
    await page.getByLabel('Query').fill('"payment declined" service:checkout');
    await page.getByLabel('Query').press('Enter');
    await eventually(() => hashParam(page, 'q') === '"payment declined" service:checkout', 5000, 'query in the URL');
    await page.locator('table.logs mark', { hasText: 'payment declined' }).waitFor();
    const link = page.url();
    const again = await openPage(browser, server);
    await login(again);
    await again.goto(link);
    await again.locator('table.logs mark', { hasText: 'payment declined' }).waitFor();
    assert.equal(await again.getByLabel('Query').inputValue(), '"payment declined" service:checkout');

    // A custom UTC range starts from the preset's window and goes into the URL.
    await again.getByLabel('Time range').selectOption('custom');
    const from = await again.getByLabel('From (UTC)').inputValue();
    const to = await again.getByLabel('To (UTC)').inputValue();
    assert.match(from, /^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    assert.equal(Date.parse(to + ':00Z') - Date.parse(from + ':00Z') >= 3600000, true);
    await again.getByRole('button', { name: 'Search' }).click();
    await eventually(() => hashParam(again, 'from') === from && hashParam(again, 'to') === to, 5000, 'the custom range in the URL');
    await again.locator('table.logs mark', { hasText: 'payment declined' }).waitFor();
    await again.getByText(`${from.replace('T', ' ')} – ${to.replace('T', ' ')} UTC`).waitFor();
    // A range that ends before it starts is refused in the page.
    await again.getByLabel('From (UTC)').fill(to);
    await again.getByLabel('To (UTC)').fill(from);
    await again.getByRole('button', { name: 'Search' }).click();
    await again.getByRole('alert').filter({ hasText: 'must be before its end' }).waitFor();
    clean(page);
    clean(again);
    await again.context().close();
    await page.context().close();
  });

  test('level>=error, paging with Load more, and a bad query', async () => {
    const page = await open('/logs?q=' + encodeURIComponent('level>=error'));
    await page.locator('table.logs tbody tr.log-row').first().waitFor();
    const levels = await page.locator('table.logs tbody .level').allTextContents();
    const api = (await search('level>=error')).records.map((r) => r.level);
    assert.deepEqual(levels, api);
    assert.deepEqual([...new Set(levels)].sort(), ['error', 'fatal']);

    await page.getByLabel('Query').fill('service:batch');
    await page.getByLabel('Query').press('Enter');
    await eventually(async () => (await page.locator('table.logs tbody tr.log-row').count()) === 100, 15000, 'the first page');
    await page.getByRole('button', { name: 'Load more' }).click();
    await eventually(async () => (await page.locator('table.logs tbody tr.log-row').count()) === 150, 15000, 'the second page');
    // Newest first, and no line twice.
    const messages = await page.locator('table.logs tbody .log-message').allTextContents();
    assert.equal(new Set(messages).size, 150);
    assert.equal(await page.getByRole('button', { name: 'Load more' }).count(), 0);

    await page.getByLabel('Query').fill('status=500');
    await page.getByLabel('Query').press('Enter');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /column 7: unexpected '='/);
    // A caret under column 7 of the query.
    assert.equal(await page.locator('.error-caret').textContent(), 'status=500\n      ^');
    await screenshot(page, 'logs-bad-query');
    clean(page, 1);
    await page.context().close();
  });

  test('a stats query shows a table with the API counts', async () => {
    const page = await open('/logs?q=' + encodeURIComponent('service:checkout | stats count() by (service, level)'));
    const table = page.locator('table.log-stats');
    await table.waitFor();
    const rows = await table.locator('tbody tr').count();
    const api = (await search('service:checkout | stats count() by (service, level)')).stats;
    assert.equal(rows, api.length);
    assert.equal(rows, 3);
    const headers = await table.locator('thead th').allTextContents();
    assert.deepEqual(headers.slice(0, 3), ['service', 'level', 'count']);
    const fatal = table.locator('tbody tr', { hasText: 'fatal' });
    assert.equal((await fatal.locator('td.num').textContent()).trim(), '1');
    await screenshot(page, 'logs-stats');
    clean(page);
    await page.context().close();
  });

  test('the patterns tab lists templates and a click searches their lines', async () => {
    const page = await open('/logs/patterns?service=batch');
    const template = page.getByRole('link', { name: /processed item <NUM> of <NUM>/ });
    await template.waitFor();
    const row = page.locator('table.patterns tbody tr', { has: template });
    assert.equal((await row.locator('td.num').textContent()).trim(), '150');
    // Sparklines come from the template metric's rate, which needs two samples: derived
    // metrics are written every 15 s, so up to two intervals after the lines came in.
    await eventually(async () => {
      await page.getByRole('button', { name: 'Show' }).click();
      await sleep(500);
      return (await row.locator('svg.spark').count()) === 1;
    }, 45000, 'a sparkline');
    await screenshot(page, 'logs-patterns');
    await template.click();
    await eventually(() => /^template_id:\d+ service:batch$/.test(hashParam(page, 'q') ?? ''), 5000, 'a template search');
    await eventually(async () => (await page.locator('table.logs tbody tr.log-row').count()) === 100, 15000, 'template lines');
    assert.match(await page.locator('table.logs tbody .log-message').first().textContent(), /^processed item \d+ of 150$/);
    clean(page);
    await page.context().close();
  });

  test('live tail shows a line ingested after opening it, pauses, and stops when left', async () => {
    const page = await open('/logs/tail?q=' + encodeURIComponent('service:tailsvc'));
    await page.getByTestId('tail-state').filter({ hasText: 'Live' }).waitFor();
    const tails = async () => Number((await server.api('/metrics')).match(/^pharos_logs_tail_subscribers (\d+)/m)?.[1]);
    await eventually(async () => (await tails()) === 1, 15000, 'the tail subscribed');
    await ingest([{ service: 'tailsvc', level: 'warn', message: 'tailed line one' }, { service: 'other', message: 'not this one' }]);
    await page.locator('table.logs .log-message', { hasText: 'tailed line one' }).waitFor();
    assert.equal(await page.locator('table.logs .log-message', { hasText: 'not this one' }).count(), 0);

    await page.getByRole('button', { name: 'Pause' }).click();
    await ingest([{ service: 'tailsvc', level: 'error', message: 'tailed line two' }]);
    await page.getByTestId('tail-counts').filter({ hasText: '1 waiting' }).waitFor();
    assert.equal(await page.locator('table.logs .log-message', { hasText: 'tailed line two' }).count(), 0);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('table.logs .log-message', { hasText: 'tailed line two' }).waitFor();
    // Newest on top.
    const messages = await page.locator('table.logs .log-message').allTextContents();
    assert.deepEqual(messages, ['tailed line two', 'tailed line one']);
    await screenshot(page, 'logs-tail');

    // A stats stage cannot be tailed: the API's message shows.
    await page.getByLabel('Query').fill('| stats count()');
    await page.getByLabel('Query').press('Enter');
    await page.getByRole('alert').filter({ hasText: 'a live tail cannot have a stats stage' }).waitFor();
    await page.getByLabel('Query').fill('service:tailsvc');
    await page.getByLabel('Query').press('Enter');
    await page.getByTestId('tail-state').filter({ hasText: 'Live' }).waitFor();
    // The server notices a gone client when it next sends it a line; a new tail is open.
    await eventually(async () => (await tails()) >= 1, 15000, 'the tail open again');

    // Leaving the page aborts the stream: the browser cancels the request, and the server
    // drops the subscriber once it next has a line for it. (Behind the harness's dev
    // server, which does not pass a client's abort on, only the browser side is visible.)
    const cancelled = page.waitForEvent('requestfailed', { predicate: (r) => r.url().includes('/api/v1/logs/tail'), timeout: 15000 });
    await page.getByRole('link', { name: 'Search' }).click();
    assert.match((await cancelled).failure()?.errorText ?? '', /ABORTED/);
    if (!process.env.PHAROS_E2E_DIST) {
      await eventually(async () => {
        await ingest([{ service: 'tailsvc', message: 'after leaving' }]);
        return (await tails()) === 0;
      }, 10000, 'the tail closed on leaving the page');
    }
    clean(page, 1);
    await page.context().close();
  });

  test('the metrics explorer draws a chart with a legend, a value table, and the API errors', async () => {
    const page = await open('/metrics?expr=pharos_uptime_seconds&range=15m');
    await page.locator('.metrics-result canvas').waitFor();
    const legend = page.locator('.u-legend');
    await legend.getByText('pharos_uptime_seconds', { exact: false }).first().waitFor();
    const instant = page.locator('table.instant tbody tr');
    assert.equal(await instant.count(), 1);
    assert.match(await instant.locator('th').textContent(), /^pharos_uptime_seconds\{.*job="pharos"/);
    assert.ok(Number(await instant.locator('td').textContent()) > 0);
    // The metric-name list comes from the API (its own call, which may answer after the chart's).
    const names = await eventually(async () => {
      const all = await page.locator('#metric-names option').evaluateAll((o) => o.map((x) => x.value));
      return all.length > 0 && all;
    }, 10000, 'the metric names');
    assert.ok(names.includes('pharos_uptime_seconds'), names.join());
    await screenshot(page, 'metrics');

    // An example with several series: the legend names them by the labels that differ.
    await page.getByRole('button', { name: 'Log lines/s by level' }).click();
    await eventually(() => hashParam(page, 'expr')?.startsWith('sum by (service, level)'), 5000, 'the example in the URL');
    await page.locator('.metrics-result canvas').waitFor();
    // The new chart replaces the uptime one.
    const labels = await eventually(async () => {
      const all = (await page.locator('.u-legend .u-series .u-label').allTextContents()).slice(1);
      return all.some((l) => l.includes('level=')) && all;
    }, 15000, 'the example chart');
    const summary = await page.getByTestId('metrics-summary').textContent();
    assert.ok(labels.length >= 4, labels.join());
    assert.match(summary, new RegExp(`^${labels.length} series`));
    assert.ok(labels.every((l) => /^\{.*level="\w+".*\}$/.test(l) && !l.includes('__name__')), labels.join());
    assert.ok(labels.some((l) => l.includes('service="checkout"')), labels.join());
    await screenshot(page, 'metrics-example');

    // A bad expression, run with Ctrl+Enter, shows the API's own message.
    const bad = 'sum(rate(pharos_uptime_seconds[5m]';
    const expected = await fetch(`${server.url}/api/v1/metrics/query?expr=${encodeURIComponent(bad)}`, {
      headers: { Authorization: `Bearer ${server.key}` },
    }).then((r) => r.json());
    assert.equal(expected.status, 'error');
    await page.getByLabel('Expression (PromQL)').fill(bad);
    await page.getByLabel('Expression (PromQL)').press('Control+Enter');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.equal((await alert.textContent()).trim(), expected.error);
    assert.equal(await page.locator('.metrics-result canvas').count(), 0);
    await screenshot(page, 'metrics-error');
    // Both queries are refused; the page shows the first refusal without waiting for the other.
    await eventually(() => page.problems.filter((p) => /status of 400/.test(p)).length >= 2, 10000, 'both refusals logged');
    clean(page, 2);
    await page.context().close();
  });

  test('phone width and dark theme', async () => {
    for (const [hash, name] of [
      [`/logs?q=${encodeURIComponent(WORD + ' OR level>=warn')}`, 'logs-search-phone-dark'],
      ['/logs/patterns', 'logs-patterns-phone-dark'],
      ['/metrics?expr=pharos_uptime_seconds&range=15m', 'metrics-phone-dark'],
    ]) {
      const page = await open(hash, { width: 390, height: 844 });
      await page.evaluate(() => localStorage.setItem('pharos.theme', 'dark'));
      await page.reload();
      await page.locator('table tbody tr').first().waitFor();
      if (hash.startsWith('/metrics')) await page.locator('.metrics-result canvas').waitFor();
      await sleep(200);
      await screenshot(page, name);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `${name}: the page is ${overflow}px wider than a phone`);
      clean(page);
      await page.context().close();
    }
  });
});
