#!/usr/bin/env node
// A tiny static server for the built playground (dist/), no dependencies.
//
//   node scripts/serve-dist.mjs [--dir dist] [--host 127.0.0.1] [--port 8080] [--mount /sub/path/]...
//
// dist/ is served at `/` and at every --mount prefix, so the same files can be checked under a
// sub-path (the build uses relative asset URLs). A mount without its trailing slash redirects to it,
// as a static host would, so that relative URLs resolve inside the mount. It sends what README's
// "Hosting" asks of a host: the precompressed copy (.br, else .gz, from scripts/precompress.mjs) a
// browser accepts, application/wasm, long caching for hashed assets and revalidation for the rest, and
// `frame-ancestors 'self'` for the editor (not for `?embed`, which other sites frame).
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const opts = { dir: 'dist', host: '127.0.0.1', port: '8080', mounts: ['/'] };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const [flag, value] = [argv[i], argv[i + 1]];
  if (value === undefined) fail(`missing value for ${flag}`);
  if (flag === '--dir') opts.dir = value;
  else if (flag === '--host') opts.host = value;
  else if (flag === '--port') opts.port = value;
  else if (flag === '--mount') opts.mounts.push(value.replace(/\/*$/, '/').replace(/^\/*/, '/'));
  else fail(`unknown option ${flag}`);
}
// Longest prefix first, so /sub/tlbrace/ wins over /.
opts.mounts.sort((a, b) => b.length - a.length);
const dir = resolve(root, opts.dir);

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

function fail(message) {
  console.error(`serve-dist: ${message}`);
  process.exit(2);
}

function isFile(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  let path;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    res.writeHead(400).end('bad request\n');
    return;
  }
  const bare = opts.mounts.find((m) => m !== '/' && path === m.slice(0, -1));
  if (bare) {
    res.writeHead(301, { Location: bare + url.search }).end();
    return;
  }
  const mount = opts.mounts.find((m) => path.startsWith(m));
  if (!mount || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404).end('not found\n');
    return;
  }
  let file = normalize(join(dir, path.slice(mount.length)));
  if (file !== dir && !file.startsWith(dir + sep)) {
    res.writeHead(403).end('forbidden\n');
    return;
  }
  if (!isFile(file)) file = join(file, 'index.html');
  if (!isFile(file)) {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${path}\n`);
    return;
  }
  const headers = {
    'Content-Type': types[extname(file)] ?? 'application/octet-stream',
    // Trunk names its outputs with a content hash: those never change; the page itself may.
    'Cache-Control': /-[0-9a-f]{16}(_bg)?\.[a-z]+$/.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    Vary: 'Accept-Encoding',
  };
  if (extname(file) === '.html' && !url.searchParams.has('embed')) {
    headers['Content-Security-Policy'] = "frame-ancestors 'self'";
  }
  const accepts = (req.headers['accept-encoding'] ?? '').split(',').map((e) => e.trim().split(';')[0]);
  for (const [encoding, ext] of [['br', '.br'], ['gzip', '.gz']]) {
    if (accepts.includes(encoding) && isFile(file + ext)) {
      headers['Content-Encoding'] = encoding;
      file += ext;
      break;
    }
  }
  headers['Content-Length'] = statSync(file).size;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
});

server.on('error', (err) => fail(err.message));
server.listen(Number(opts.port), opts.host, () => {
  if (!isFile(join(dir, 'index.html'))) console.error(`serve-dist: warning: no ${opts.dir}/index.html yet`);
  for (const m of [...opts.mounts].reverse()) console.log(`serving ${opts.dir}/ on http://${opts.host}:${opts.port}${m}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
