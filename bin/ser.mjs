#!/usr/bin/env node
// `npx ser …`: the TypeScript CLI in src/cli/main.ts, with no build step for the user.
//
// Start-up is most of what a no-op `ser status` costs, and registering tsx (loader
// hooks thread + esbuild) is most of start-up (~0.45 of ~0.65 CPU-s measured). So the
// engine's own modules (src/cli + src/pipeline, not the stages) are bundled with
// esbuild into node_modules/.cache/ser-cli/ the first time and whenever one of their
// files changes (checked by size + mtime, ~20 stats), and run as plain JavaScript;
// tsx is registered only when a .ts module is really imported (a stage to run, a
// command outside the engine). Any problem with the bundle falls back to tsx.
// SER_NO_BUNDLE=1 or SER_DEBUG=1 (exact stack traces) always use tsx.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const ENTRY = join(SRC, 'cli', 'main.ts');
const CACHE = join(ROOT, 'node_modules', '.cache', 'ser-cli');
const POINTER = join(CACHE, 'latest.json');
const FORMAT = 2; // bump when the way the bundle is built changes

function stamp(file) {
  const st = statSync(file);
  return [st.size, st.mtimeMs];
}

/** The cached bundle's entry, if every input file is unchanged. */
function cachedEntry() {
  const p = JSON.parse(readFileSync(POINTER, 'utf8'));
  if (p.format !== FORMAT) return undefined;
  for (const [rel, size, mtimeMs] of p.inputs) {
    const [s, m] = stamp(join(ROOT, rel));
    if (s !== size || m !== mtimeMs) return undefined;
  }
  const entry = join(CACHE, p.dir, 'main.js');
  return existsSync(entry) ? entry : undefined;
}

async function buildBundle() {
  const esbuild = await import('esbuild');
  const dir = `b${Date.now().toString(36)}${process.pid.toString(36)}`;
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    absWorkingDir: ROOT, // metafile paths relative to the project root
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outdir: join(CACHE, dir),
    metafile: true,
    logLevel: 'silent',
  });
  // Stamps taken after the build: a file edited during it fails the next check.
  const inputs = Object.keys(result.metafile.inputs).map((rel) => [rel, ...stamp(join(ROOT, rel))]);
  const tmp = `${POINTER}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ format: FORMAT, dir, inputs }));
  renameSync(tmp, POINTER);
  // Old bundles: a running process may still lazy-load chunks, so only day-old ones go.
  for (const d of readdirSync(CACHE)) {
    const p = join(CACHE, d);
    if (d !== dir && /^b[0-9a-z]+$/.test(d) && Date.now() - statSync(p).mtimeMs > 86_400_000) rmSync(p, { recursive: true, force: true });
  }
  return join(CACHE, dir, 'main.js');
}

async function loadBundled() {
  if (process.env.SER_NO_BUNDLE || process.env.SER_DEBUG) return undefined;
  try {
    let entry;
    try {
      entry = cachedEntry();
    } catch {
      entry = undefined; // no pointer yet, or an input vanished
    }
    if (!entry) {
      mkdirSync(CACHE, { recursive: true });
      entry = await buildBundle();
    }
    globalThis.__SER_SRC_DIR = SRC;
    globalThis.__SER_BUNDLED = true;
    return await import(pathToFileURL(entry).href);
  } catch {
    globalThis.__SER_BUNDLED = false;
    return undefined;
  }
}

let cliModule = await loadBundled();
if (!cliModule) {
  const { register } = await import('tsx/esm/api');
  register();
  cliModule = await import('../src/cli/main.ts');
}
await cliModule.cli(process.argv.slice(2));
