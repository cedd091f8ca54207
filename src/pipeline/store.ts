// The artifact store: artifacts/<stage>/<key>/ holds one stage instance's outputs and
// is never modified once in place. A stage writes into a temporary directory under
// artifacts/<stage>/ (same filesystem), the runner lists and hashes what it wrote,
// writes the completeness marker (.ser-artifact.json: the lock entry with every
// output's size and sha256) into it, and renames it into place. A directory without
// a marker, or a .tmp-* directory, is never taken for an artifact, so a stage that
// throws or a process killed with SIGKILL leaves nothing that looks complete.
// The stage's log is saved beside the artifact, as artifacts/<stage>/<key>.log.
import { randomBytes } from 'node:crypto';
import { existsSync, type BigIntStats } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile, copyFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pLimit from 'p-limit';
import type { LockEntry, OutFile } from './lock.ts';
import { normalizeEntry } from './lock.ts';
import { hashFile, listFiles } from './hash.ts';

export const MARKER = '.ser-artifact.json';
export const ARTIFACTS = 'artifacts';
export const KEY_RE = /^[0-9a-f]{64}$/;

export interface Marker {
  schema: 1;
  instance: string;
  entry: LockEntry;
  /** Stable copies to refresh after the artifact is used: out path -> project path. */
  publish?: Record<string, string>;
}

export function stageDir(root: string, stage: string): string {
  return join(root, ARTIFACTS, stage);
}

export function artifactDir(root: string, stage: string, key: string): string {
  return join(root, ARTIFACTS, stage, key);
}

export function logPath(root: string, stage: string, key: string): string {
  return join(root, ARTIFACTS, stage, `${key}.log`);
}

/** The marker of a complete artifact, or undefined when there is none. */
export async function readMarker(dir: string): Promise<Marker | undefined> {
  try {
    const m = JSON.parse(await readFile(join(dir, MARKER), 'utf8')) as Marker;
    return m.schema === 1 && m.entry?.key ? m : undefined;
  } catch {
    return undefined;
  }
}

/** A hash a stage computed from a file's bytes, with the file's stats when it reported it. */
export interface KnownHash {
  sha256: string;
  st: BigIntStats;
}

function sameFile(a: BigIntStats, b: BigIntStats): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.ino === b.ino && a.dev === b.dev;
}

/**
 * Files the stage wrote (marker excluded), hashed. `known` (by relative path): hashes the
 * stage already computed from the written bytes (StageContext.outputHashed), used only
 * while the file's size, mtime, ctime and inode are still those seen when it was reported.
 */
export async function hashOutputs(dir: string, known?: ReadonlyMap<string, KnownHash>, seen?: Map<string, BigIntStats>): Promise<OutFile[]> {
  const files = (await listFiles(dir)).filter((f) => f.rel !== MARKER);
  // `seen`: each file's stats taken before it was read (a change while hashing shows up as a later stat mismatch).
  for (const f of files) seen?.set(f.rel, f.st);
  const limit = pLimit(8);
  return Promise.all(files.map((f) => limit(async () => {
    const k = known?.get(f.rel);
    const sha256 = k && sameFile(k.st, f.st) ? k.sha256 : await hashFile(f.abs, Number(f.st.size));
    return { path: f.rel, size: Number(f.st.size), sha256 };
  })));
}

/**
 * Re-hash an artifact's files against its marker. Returns the problems found
 * (changed, missing or unexpected files); empty when intact. `known`: hashes this
 * process computed from the files' bytes when it sealed the artifact, with their stats
 * then (see hashOutputs): a file whose size, mtime, ctime or inode changed since is
 * read and hashed again.
 */
export async function verifyArtifact(dir: string, marker: Marker, known?: ReadonlyMap<string, KnownHash>): Promise<string[]> {
  const actual = new Map((await hashOutputs(dir, known)).map((o) => [o.path, o]));
  const problems: string[] = [];
  for (const o of marker.entry.outs) {
    const a = actual.get(o.path);
    if (!a) problems.push(`${o.path} is missing`);
    else if (a.size !== o.size) problems.push(`${o.path} has ${a.size} bytes, ${o.size} were written`);
    else if (a.sha256 !== o.sha256) problems.push(`${o.path} has sha256 ${a.sha256.slice(0, 12)}…, ${o.sha256.slice(0, 12)}… was written`);
    actual.delete(o.path);
  }
  for (const extra of actual.keys()) problems.push(`${extra} was added after the stage ran`);
  return problems;
}

/** pid of the process that made a temp dir/log (`.tmp-<key16>-<pid>-<rand>[.log]`). */
export function tempOwner(name: string): number | undefined {
  const m = /^\.tmp-[0-9a-f]{16}-(\d+)-[0-9a-f]+/.exec(name);
  return m ? Number(m[1]) : undefined;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove temp dirs/logs left in artifacts/<stage>/ by processes that died (kill -9). */
export async function removeDeadTemps(root: string, stage: string): Promise<number> {
  let n = 0;
  let names: string[];
  try {
    names = await readdir(stageDir(root, stage));
  } catch {
    return 0;
  }
  for (const name of names) {
    const pid = tempOwner(name);
    if (pid !== undefined && pid !== process.pid && !pidAlive(pid)) {
      await rm(join(stageDir(root, stage), name), { recursive: true, force: true });
      n++;
    }
  }
  return n;
}

/** A fresh temporary output directory for one run of `stage` at `key`. */
export async function makeTempDir(root: string, stage: string, key: string): Promise<string> {
  const dir = join(stageDir(root, stage), `.tmp-${key.slice(0, 16)}-${process.pid}-${randomBytes(3).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * Seal a finished temporary directory: write the marker, then rename it to
 * artifacts/<stage>/<key>. An existing artifact at that key (a --force rerun) is
 * moved aside first and removed after the swap.
 */
export async function commitArtifact(root: string, tmpDir: string, marker: Marker): Promise<string> {
  const entry = marker.entry;
  await writeFile(join(tmpDir, MARKER), JSON.stringify({ ...marker, entry: normalizeEntry(entry) }, null, 1));
  const final = artifactDir(root, entry.stage, entry.key);
  let trash: string | undefined;
  if (existsSync(final)) {
    trash = `${tmpDir}.old`;
    await rename(final, trash);
  }
  await rename(tmpDir, final);
  if (trash) await rm(trash, { recursive: true, force: true });
  return final;
}

/** Copy `src` to `dest` atomically (temp file + rename). */
export async function publishCopy(src: string, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.tmp`;
  await copyFile(src, tmp);
  await rename(tmp, dest);
}

export async function sizeOf(path: string): Promise<number> {
  try {
    const st = await stat(path);
    if (st.isFile()) return st.size;
    return (await listFiles(path)).reduce((s, f) => s + Number(f.st.size), 0);
  } catch {
    return 0;
  }
}
