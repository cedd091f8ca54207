// pipeline.lock: what produced the artifacts the workspace currently points at, one
// entry per stage instance, meant to be committed (like dvc.lock). Written with a
// fixed field order and sorted maps, so an unchanged pipeline gives a byte-identical
// file, and two clean runs differ at most in duration_s / produced_at.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { getParsed, putParsed } from './parsecache.ts';
import type { ParamValue } from './types.ts';
import { canonicalJson, sortKeys } from './params.ts';
import { sha256 } from './hash.ts';

const require = createRequire(import.meta.url);
/** Loaded on demand: an unchanged lock is read from the parse cache (parsecache.ts). */
const yamlLib = (): typeof import('yaml') => require('yaml');

export const LOCK_FILE = 'pipeline.lock';
/** Bump to invalidate every cache key (a change in what keys mean). */
export const KEY_SCHEMA = 1;

export interface OutFile {
  path: string;
  size: number;
  sha256: string;
}

export interface DataHash {
  hash: string;
  files: number;
  bytes: number;
}

export interface LockEntry {
  key: string;
  stage: string;
  matrix: Record<string, ParamValue>;
  /** Declared param path -> value. */
  params: Record<string, ParamValue>;
  /** Project-relative code file -> sha256. */
  code: Record<string, string>;
  /** Package -> version (package-lock.json). */
  packages: Record<string, string>;
  /** Raw data path (as in pipeline.yaml) -> content hash. */
  data: Record<string, DataHash>;
  /** Upstream instance id -> that artifact's out_hash. */
  inputs: Record<string, string>;
  outs: OutFile[];
  /** Hash over outs (path + sha256): what downstream keys depend on. */
  out_hash: string;
  duration_s: number;
  produced_at: string;
}

/** Everything a key depends on (the LockEntry minus outputs and timing). */
export type KeyParts = Pick<LockEntry, 'stage' | 'matrix' | 'params' | 'code' | 'packages' | 'data' | 'inputs'>;

export function computeKey(parts: KeyParts): string {
  return sha256(
    canonicalJson({
      schema: KEY_SCHEMA,
      stage: parts.stage,
      matrix: parts.matrix,
      params: parts.params,
      code: parts.code,
      packages: parts.packages,
      data: Object.fromEntries(Object.entries(parts.data).map(([p, d]) => [p, d.hash])),
      inputs: parts.inputs,
    }),
  );
}

export function outHash(outs: OutFile[]): string {
  return sha256(canonicalJson([...outs].sort((a, b) => (a.path < b.path ? -1 : 1)).map((o) => [o.path, o.sha256])));
}

/** An entry with canonical field order and sorted maps. */
export function normalizeEntry(e: LockEntry): LockEntry {
  return {
    key: e.key,
    stage: e.stage,
    matrix: sortKeys(e.matrix ?? {}) as LockEntry['matrix'],
    params: sortKeys(e.params ?? {}) as LockEntry['params'],
    code: sortKeys(e.code ?? {}) as LockEntry['code'],
    packages: sortKeys(e.packages ?? {}) as LockEntry['packages'],
    data: sortKeys(e.data ?? {}) as LockEntry['data'],
    inputs: sortKeys(e.inputs ?? {}) as LockEntry['inputs'],
    outs: [...(e.outs ?? [])].sort((a, b) => (a.path < b.path ? -1 : 1)).map((o) => ({ path: o.path, size: o.size, sha256: o.sha256 })),
    out_hash: e.out_hash,
    duration_s: e.duration_s,
    produced_at: e.produced_at,
  };
}

export interface LockFile {
  /** Entries by instance id. */
  stages: Record<string, LockEntry>;
}

export async function readLock(root: string): Promise<LockFile> {
  let text: string;
  try {
    text = await readFile(join(root, LOCK_FILE), 'utf8');
  } catch {
    return { stages: {} };
  }
  const cached = getParsed<LockFile>(root, 'pipeline.lock 1', text);
  if (cached) return cached;
  try {
    const raw = yamlLib().parse(text) as { schema?: number; stages?: Record<string, LockEntry> } | null;
    const lock = { stages: raw?.stages ?? {} };
    putParsed(root, 'pipeline.lock 1', text, lock);
    return lock;
  } catch (err) {
    throw new Error(`${LOCK_FILE} is not valid YAML (${(err as Error).message.split('\n')[0]}); fix it, or delete it to rebuild the record from the artifact store`);
  }
}

const HEADER = '# pipeline.lock: written by `ser run`; commit it (like dvc.lock), do not edit.\n# One entry per stage instance: its cache key and everything the key was computed from.\n';

export function formatLock(lock: LockFile, order: string[]): string {
  const ids = Object.keys(lock.stages).sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib) || (a < b ? -1 : a > b ? 1 : 0);
  });
  const stages: Record<string, LockEntry> = {};
  for (const id of ids) stages[id] = normalizeEntry(lock.stages[id]);
  return HEADER + yamlLib().stringify({ schema: KEY_SCHEMA, stages }, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Write atomically, and only when the text changed (keeps mtime for make). */
export async function writeLock(root: string, lock: LockFile, order: string[]): Promise<boolean> {
  const path = join(root, LOCK_FILE);
  const text = formatLock(lock, order);
  const old = await readFile(path, 'utf8').catch(() => undefined);
  if (old === text) return false;
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
  return true;
}
