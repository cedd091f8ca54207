// `ser gc`: delete artifacts nothing refers to. Roots are the keys in pipeline.lock
// and in experiment records, artifacts/experiments/*.json, whose agreed format is
//   { "artifacts": { "<stage instance>": "<key>", … }, … }
// To be safe against other shapes, any 64-hex string anywhere in an experiment record
// is kept too. Deleted: unreferenced artifacts/<stage>/<key>/ with their <key>.log,
// failed-run logs, and temp dirs/logs of processes that are gone (kill -9).
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readLock } from './lock.ts';
import { ARTIFACTS, KEY_RE, pidAlive, sizeOf, tempOwner } from './store.ts';

export const EXPERIMENTS_DIR = 'experiments';

export interface GcResult {
  deleted: { path: string; bytes: number }[];
  freedBytes: number;
  kept: number;
  experiments: number;
}

async function experimentKeys(root: string): Promise<{ keys: Set<string>; count: number }> {
  const keys = new Set<string>();
  const dir = join(root, ARTIFACTS, EXPERIMENTS_DIR);
  let files: string[] = [];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
  } catch {
    return { keys, count: 0 };
  }
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (KEY_RE.test(v)) keys.add(v);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(join(dir, f), 'utf8');
    } catch {
      continue;
    }
    try {
      walk(JSON.parse(text));
    } catch {
      // An unparsable record still protects every key it mentions.
      for (const m of text.matchAll(/[0-9a-f]{64}/g)) keys.add(m[0]);
    }
  }
  return { keys, count: files.length };
}

export async function collectGarbage(root: string, opts: { dry?: boolean } = {}): Promise<GcResult> {
  const lock = await readLock(root);
  const roots = new Set(Object.values(lock.stages).map((e) => e.key));
  const exp = await experimentKeys(root);
  for (const k of exp.keys) roots.add(k);
  const result: GcResult = { deleted: [], freedBytes: 0, kept: 0, experiments: exp.count };
  const base = join(root, ARTIFACTS);
  let stages: string[] = [];
  try {
    stages = (await readdir(base, { withFileTypes: true })).filter((d) => d.isDirectory() && d.name !== EXPERIMENTS_DIR).map((d) => d.name);
  } catch {
    return result;
  }
  for (const stage of stages.sort()) {
    const dir = join(base, stage);
    for (const name of (await readdir(dir)).sort()) {
      const key = name.replace(/(\.failed)?\.log$/, '');
      const pid = tempOwner(name);
      let garbage = false;
      if (pid !== undefined) garbage = pid !== process.pid && !pidAlive(pid);
      else if (name.endsWith('.failed.log')) garbage = true;
      else if (KEY_RE.test(key)) {
        garbage = !roots.has(key);
        if (!garbage && name === key) result.kept++;
      }
      if (!garbage) continue;
      const path = join(dir, name);
      const bytes = await sizeOf(path);
      if (!opts.dry) await rm(path, { recursive: true, force: true });
      result.deleted.push({ path: join(ARTIFACTS, stage, name), bytes });
      result.freedBytes += bytes;
    }
  }
  return result;
}
