// Pool task modules as plain JavaScript. A worker thread that imports a TypeScript task
// module has to register tsx first (loader hooks + esbuild: ~0.4 s of CPU per thread)
// and every module it then loads — including packages — goes through those hooks
// (measured: 0.78 CPU-s to start a worker on src/audio/tasks.ts, 1.7 on
// src/features/tasks.ts). So the main thread bundles each task module with esbuild
// (packages stay external) into node_modules/.cache/ser-tasks/ once, and again
// whenever one of its files changes (size + mtime of every input, like bin/ser.mjs),
// and the workers import that bundle: no tsx in the worker at all.
//
// `import.meta.url` in each bundled file is replaced by the URL of the original file, so
// code that locates files next to its source (a .wasm, a data table) works unchanged.
// Any problem (no esbuild, a build error) means no bundle: the worker falls back to tsx.
// SER_NO_BUNDLE=1 or SER_DEBUG=1 (exact stack traces) always use tsx.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { srcDir } from './paths.ts';

const FORMAT = 1; // bump when the way bundles are built changes
const bundles = new Map<string, Promise<string | undefined>>();

function cacheDir(): string {
  return join(dirname(srcDir()), 'node_modules', '.cache', 'ser-tasks');
}

interface Pointer {
  format: number;
  file: string;
  inputs: [path: string, size: number, mtimeMs: number][];
}

function fresh(p: Pointer): boolean {
  if (p.format !== FORMAT || !existsSync(p.file)) return false;
  for (const [path, size, mtimeMs] of p.inputs) {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st || st.size !== size || st.mtimeMs !== mtimeMs) return false;
  }
  return true;
}

async function build(entry: string, dir: string): Promise<string> {
  const esbuild = await import('esbuild');
  const file = join(dir, `b${Date.now().toString(36)}${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}.mjs`);
  const root = dirname(srcDir());
  const result = await esbuild.build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outfile: file,
    metafile: true,
    logLevel: 'silent',
    plugins: [{
      name: 'original-import-meta-url',
      setup(b) {
        b.onLoad({ filter: /\.[cm]?tsx?$/ }, (args) => ({
          contents: readFileSync(args.path, 'utf8').replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href)),
          loader: 'ts',
        }));
      },
    }],
  });
  // Stamps taken after the build: a file edited during it fails the next check.
  const inputs = Object.keys(result.metafile.inputs).map((rel): Pointer['inputs'][number] => {
    const abs = resolve(root, rel);
    const st = statSync(abs);
    return [abs, st.size, st.mtimeMs];
  });
  const pointer = join(dir, 'latest.json');
  const tmp = `${pointer}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, JSON.stringify({ format: FORMAT, file, inputs } satisfies Pointer));
  renameSync(tmp, pointer);
  // Old bundles: a running process may still import one, so only day-old ones go.
  for (const d of readdirSync(dir)) {
    const p = join(dir, d);
    if (p !== file && d.endsWith('.mjs') && Date.now() - statSync(p).mtimeMs > 86_400_000) rmSync(p, { force: true });
  }
  return file;
}

async function bundleFor(moduleUrl: string): Promise<string | undefined> {
  if (process.env.SER_NO_BUNDLE || process.env.SER_DEBUG) return undefined;
  const entry = fileURLToPath(moduleUrl);
  if (!/\.[cm]?tsx?$/.test(entry) || !existsSync(entry)) return undefined;
  try {
    const dir = join(cacheDir(), createHash('sha256').update(entry).digest('hex').slice(0, 16));
    mkdirSync(dir, { recursive: true });
    let file: string | undefined;
    try {
      const p = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as Pointer;
      if (fresh(p)) file = p.file;
    } catch {
      // no pointer yet
    }
    file ??= await build(entry, dir);
    return pathToFileURL(file).href;
  } catch {
    return undefined;
  }
}

/**
 * file: URL of a plain-JS bundle of the task module `moduleUrl` (a .ts file), built or
 * reused; undefined when there is none (not TypeScript, bundling off or failed). Cached
 * per process: a module's bundle is checked once per run.
 */
export function taskBundle(moduleUrl: string): Promise<string | undefined> {
  let p = bundles.get(moduleUrl);
  if (!p) {
    p = bundleFor(moduleUrl);
    bundles.set(moduleUrl, p);
  }
  return p;
}
