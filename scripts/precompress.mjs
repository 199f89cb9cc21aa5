#!/usr/bin/env node
// Writes a gzip (.gz, level 9) and a brotli (.br, quality 11) copy next to every compressible file of
// the built playground, so a static host (and scripts/serve-dist.mjs) can send the smaller one to a
// browser that accepts it, without compressing on each request. No dependencies: Node's zlib.
//
//   node scripts/precompress.mjs [dist]
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = resolve(process.argv[2] ?? 'dist');
const compressible = new Set(['.wasm', '.js', '.mjs', '.css', '.html', '.svg', '.json', '.txt']);

function* files(d) {
  for (const name of readdirSync(d)) {
    const path = join(d, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (compressible.has(extname(name))) yield path;
  }
}

let raw = 0;
let br = 0;
for (const path of files(dir)) {
  const data = readFileSync(path);
  const gz = gzipSync(data, { level: 9 });
  const brotli = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  writeFileSync(`${path}.gz`, gz);
  writeFileSync(`${path}.br`, brotli);
  raw += data.length;
  br += brotli.length;
}
console.log(`precompress: ${dir}: ${(raw / 1000).toFixed(1)} KB -> ${(br / 1000).toFixed(1)} KB brotli`);
