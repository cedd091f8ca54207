// Where the engine's own files are. bin/ser.mjs may run the engine from a cached bundle
// (node_modules/.cache/ser-cli/), where import.meta.url no longer points into src/; it
// then sets globalThis.__SER_SRC_DIR, and TypeScript loading (tsx) is registered only
// when a .ts module (a stage, a non-engine command) is actually imported.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface SerGlobals {
  __SER_SRC_DIR?: string;
  __SER_BUNDLED?: boolean;
}
const g = globalThis as SerGlobals;

/** Absolute path of src/. */
export function srcDir(): string {
  return g.__SER_SRC_DIR ?? dirname(dirname(fileURLToPath(import.meta.url)));
}

export function enginePath(...parts: string[]): string {
  return join(srcDir(), ...parts);
}

let tsxReady: Promise<void> | undefined;

/**
 * Make sure .ts modules can be imported. A no-op under tsx (bin/ser.mjs's normal path)
 * and under vitest; registers tsx once when running from the cached bundle.
 */
export function ensureTypeScript(): Promise<void> {
  if (!g.__SER_BUNDLED) return Promise.resolve();
  tsxReady ??= import('tsx/esm/api').then((m) => {
    m.register();
  });
  return tsxReady;
}
