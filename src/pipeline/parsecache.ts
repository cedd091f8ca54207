// Parsed pipeline.yaml / pipeline.lock, cached by content hash in .ser/parsed.json, so
// that a no-op `ser status` or `ser run` does not load the YAML parser and the schema
// validator (~100 + ~170 ms of module loading here) when the files did not change.
// The cache key includes a version tag per kind: a schema change invalidates it.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

const MAX_ENTRIES = 16;

type Entries = Record<string, { at: number; value: unknown }>;

function cachePath(root: string): string {
  return join(root, '.ser', 'parsed.json');
}

function keyOf(kind: string, text: string): string {
  return createHash('sha256').update(kind).update('\0').update(text).digest('hex');
}

function readAll(root: string): Entries {
  try {
    return JSON.parse(readFileSync(cachePath(root), 'utf8')) as Entries;
  } catch {
    return {};
  }
}

export function getParsed<T>(root: string, kind: string, text: string): T | undefined {
  return readAll(root)[keyOf(kind, text)]?.value as T | undefined;
}

export function putParsed(root: string, kind: string, text: string, value: unknown): void {
  try {
    const all = readAll(root);
    all[keyOf(kind, text)] = { at: Date.now(), value };
    const kept = Object.entries(all)
      .sort((a, b) => b[1].at - a[1].at)
      .slice(0, MAX_ENTRIES);
    mkdirSync(join(root, '.ser'), { recursive: true });
    const tmp = `${cachePath(root)}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(kept)));
    renameSync(tmp, cachePath(root));
  } catch {
    // A cache that cannot be written only costs speed.
  }
}
