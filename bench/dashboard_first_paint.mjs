// First meaningful paint of the dashboard's overview with 1,000 checks and 100 SLOs, in
// headless Chromium against a real `pharos serve` on loopback (issue 8's figure).
//   node bench/dashboard_first_paint.mjs [runs=7]     (PHAROS_BIN as for the e2e tests)
// "Meaningful" = the services table drawn with data from the API (the first row of it),
// measured from the navigation's start in the page's own clock; also first contentful paint
// and the bytes the page transferred. Prints one line per run, then the median.
import { eventually, launchBrowser, startPharos, tcpListener } from '../web/e2e/harness.mjs';

const runs = Number(process.argv[2] ?? 7);
const CHECKS = 1000;
const SLOS = 100;

const target = await tcpListener();
const port = target.address().port;
let yaml = 'health:\n  checks:\n';
for (let i = 0; i < CHECKS; i++) {
  const service = `svc-${String(i % 100).padStart(3, '0')}`;
  yaml += `    - {name: check-${i}, type: tcp, host: 127.0.0.1, port: ${port}, interval: 1m, labels: {service: ${service}}}\n`;
}
yaml += 'slos:\n';
for (let i = 0; i < SLOS; i++) {
  yaml += `  - {name: slo-${i}, objective: 99.9, window: 30d, check: check-${i}, labels: {service: svc-${String(i).padStart(3, '0')}}}\n`;
}
console.log(`seeding ${CHECKS} checks and ${SLOS} SLOs…`);
const server = await startPharos(yaml);
await eventually(async () => (await server.api('/api/v1/checks')).checks.filter((c) => c.state?.last_run).length >= CHECKS * 0.9, 120000, 'checks to run once');
const browser = await launchBrowser();
const results = [];
for (let run = 0; run < runs; run++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript((key) => {
    sessionStorage.setItem('pharos.key', key);
    // The first row of the services table, as soon as it is in the DOM.
    new MutationObserver((_, observer) => {
      if (document.querySelector('table.services tbody tr')) {
        window.__meaningful = performance.now();
        observer.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  }, server.key);
  const page = await context.newPage();
  let bytes = 0;
  page.on('response', async (r) => {
    const len = Number((await r.allHeaders())['content-length'] ?? 0);
    bytes += len;
  });
  await page.goto(server.url + '/ui/');
  await page.waitForSelector('table.services tbody tr', { timeout: 30000 });
  await page.waitForFunction(() => window.__meaningful !== undefined);
  const timing = await page.evaluate(() => ({
    meaningful: window.__meaningful,
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
    rows: document.querySelectorAll('table.services tbody tr').length,
  }));
  results.push(timing.meaningful);
  console.log(`run ${run + 1}: first meaningful paint ${timing.meaningful.toFixed(0)} ms, first contentful paint ${timing.fcp?.toFixed(0)} ms, ${timing.rows} services, ${bytes} bytes`);
  await context.close();
}
results.sort((a, b) => a - b);
console.log(`median first meaningful paint over ${runs} runs: ${results[Math.floor(runs / 2)].toFixed(0)} ms (min ${results[0].toFixed(0)}, max ${results[runs - 1].toFixed(0)}), ${CHECKS} checks, ${SLOS} SLOs`);
await browser.close();
await server.stop();
target.close();
