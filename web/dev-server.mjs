// For working on the dashboard without rebuilding the binary: serves a bundle directory
// (`node build.mjs --out dist`) at /ui/ and passes every other path to a running Pharos.
//   PHAROS_URL=http://127.0.0.1:8470 node dev-server.mjs [port]
// The e2e harness uses it too when PHAROS_E2E_DIST is set.
import { createServer, request } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const types = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html' };

// Resolves to {url, close()} once listening.
export function startDevServer({ dist, target, port = 0 }) {
  const upstreamUrl = new URL(target);
  const server = createServer((req, res) => {
    const path = req.url.split('?')[0];
    if (path.startsWith('/ui/') || /^\/status\/[^/]+$/.test(path)) {
      const rel = path.startsWith('/ui/assets/') ? path.slice(4) : 'index.html';
      const file = join(dist, rel);
      if (!existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
      res.end(readFileSync(file));
      return;
    }
    const upstream = request(
      { host: upstreamUrl.hostname, port: upstreamUrl.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      });
    upstream.on('error', (e) => res.writeHead(502).end(String(e)));
    req.pipe(upstream);
  });
  return new Promise((resolve) =>
    server.listen(port, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) })));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dist = join(dirname(fileURLToPath(import.meta.url)), 'dist');
  const { url } = await startDevServer({ dist, target: process.env.PHAROS_URL ?? 'http://127.0.0.1:8470', port: Number(process.argv[2] ?? 5173) });
  console.log(`dashboard dev server on ${url}/ui/`);
}
