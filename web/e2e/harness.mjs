// Shared by the dashboard's end-to-end tests: a real `pharos serve` on an ephemeral port with
// its own data directory, and Debian's Chromium driven by playwright-core.
//   PHAROS_BIN            the binary (default ../build/pharos)
//   PHAROS_E2E_OUT        where screenshots go (default ../build/e2e-screenshots)
//   PHAROS_CHROMIUM       the browser (default /usr/bin/chromium)
//   PHAROS_E2E_DIST       serve the page from this bundle directory instead of the binary's
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startDevServer } from '../dev-server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.PHAROS_BIN ?? resolve(here, '../../build/pharos');
export const OUT = process.env.PHAROS_E2E_OUT ?? resolve(here, '../../build/e2e-screenshots');

// Starts pharos with `config` (YAML text appended to a dev config) and waits until it
// answers. Returns {url, key, dataDir, output(), stop()}.
export async function startPharos(config = '') {
  const dataDir = mkdtempSync(join(tmpdir(), 'pharos-e2e-'));
  const file = join(dataDir, 'pharos.yaml');
  writeFileSync(file, `env: dev\n${config}`);
  const child = spawn(BIN, ['serve', '--config', file, '--data', join(dataDir, 'data'), '--listen', '127.0.0.1:0', '--syslog', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const started = Date.now();
  while (!/pharos started/.test(output)) {
    if (child.exitCode !== null) throw new Error(`pharos exited (${child.exitCode}):\n${output}`);
    if (Date.now() - started > 30000) throw new Error(`pharos did not start in 30 s:\n${output}`);
    await sleep(50);
  }
  const port = output.match(/http=127\.0\.0\.1:(\d+)/)?.[1];
  const key = output.match(/phk_[0-9a-z]+_[0-9a-f]+/)?.[0];
  if (!port || !key) throw new Error(`no port or admin key in the output:\n${output}`);
  const apiUrl = `http://127.0.0.1:${port}`;
  // With PHAROS_E2E_DIST, the page comes from that bundle directory (work in progress) and
  // everything else from the binary, on one origin.
  const dev = process.env.PHAROS_E2E_DIST ? await startDevServer({ dist: process.env.PHAROS_E2E_DIST, target: apiUrl }) : null;
  const url = dev?.url ?? apiUrl;
  return {
    url,
    key,
    dataDir,
    output: () => output,
    api: (path, init) => call(apiUrl, key, path, init),
    async stop() {
      await dev?.close();
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// A TCP port on loopback that accepts connections until closed: what test checks probe.
// Resolves to the net.Server (`.address().port`, `.close()`).
export function tcpListener() {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.destroy());
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// An API call with the admin key: `api(url, key, '/api/v1/checks', {method: 'POST', body})`.
export async function call(url, key, path, { method = 'GET', body, headers = {} } = {}) {
  const res = await fetch(url + path, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body !== undefined && typeof body !== 'string' ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return json ?? text;
}

// Polls `fn` until it returns a truthy value (then returns it) or `ms` pass.
export async function eventually(fn, ms = 10000, what = 'condition') {
  const until = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${last}`);
    await sleep(100);
  }
}

// Chromium as the machine allows it: headless, no sandbox (root in CI), and none of its own
// background traffic (this network is closed; the test also checks the page makes none).
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.PHAROS_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

// A page that records every request it makes and every console error, so a test can assert
// that nothing went to another host and nothing broke.
export async function openPage(browser, server, { width = 1280, height = 800 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  page.requests = [];
  page.problems = [];
  page.on('request', (r) => page.requests.push(r.url()));
  page.on('console', (m) => m.type() === 'error' && page.problems.push(m.text()));
  page.on('pageerror', (e) => page.problems.push(String(e)));
  // The API's answers, the last 30, for waitOrExplain().
  page.answers = [];
  page.on('response', (r) => {
    if (!new URL(r.url()).pathname.startsWith('/api/')) return;
    page.answers.push(`${r.status()} ${r.request().method()} ${r.url().replace(server.url, '')}`);
    if (page.answers.length > 30) page.answers.shift();
  });
  page.server = server;
  return page;
}

// locator.waitFor(), and when it times out an error that says what the page showed and what
// the API answered it: a wait that fails once in a CI run has to be explained from its log.
export async function waitOrExplain(page, locator, options) {
  try {
    await locator.waitFor(options);
  } catch (e) {
    const text = await page.locator('body').innerText().catch((err) => `(no text: ${err})`);
    throw new Error(`${e.message}\npage problems: ${page.problems.join(' | ') || 'none'}\n` +
      `API answers, last first: ${page.answers.slice().reverse().join(' | ') || 'none'}\n` +
      `page text:\n${text.slice(0, 3000)}`);
  }
}

export function foreignRequests(page) {
  const origin = new URL(page.server.url).origin;
  return page.requests.filter((u) => !u.startsWith('data:') && new URL(u).origin !== origin);
}

export async function login(page, key = page.server.key) {
  await page.goto(page.server.url + '/ui/');
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

// The toggle applies the theme in an effect, which may run after click() returns on a loaded
// machine: wait until the document says dark before anything depends on it.
export async function switchToDarkTheme(page) {
  await page.getByRole('button', { name: /^Theme/ }).click();
  await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark', null, { timeout: 10000 });
}

export async function screenshot(page, name) {
  mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
}
