// Content hashing with a state cache (DVC's approach): a file's sha256 is remembered
// under its absolute path together with its size, mtime (ns) and inode, and reused
// while all three are unchanged, so a no-op status over a 1440-file dataset costs a
// stat per file instead of reading 133 MB. The cache lives in .ser/state.json
// (git-ignored) and is written atomically.
//
// A directory's hash is sha256 over its files sorted by relative path, one line
// `<relative posix path>\t<sha256>\n` each: renaming, adding or changing any file
// changes it; mtimes and directory order do not.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, read, readdirSync, realpathSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { dirname, join } from 'node:path';
import type { BigIntStats } from 'node:fs';
import pLimit from 'p-limit';

const readAsync = async (fd: number, buf: Buffer, off: number, len: number, pos: number): Promise<number> => (await promisify(read)(fd, buf, off, len, pos)).bytesRead;

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Files above this size are streamed instead of read whole. */
const STREAM_THRESHOLD = 64 * 1024 * 1024;

export async function hashFile(path: string, size?: number): Promise<string> {
  if ((size ?? (await stat(path)).size) <= STREAM_THRESHOLD) return sha256(await readFile(path));
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * sha256 of a file that is being written front to back in pieces (possibly by other
 * threads, with positioned writes): advance(end) hashes the file's bytes up to `end`
 * once the caller knows every byte before it is final, so the hashing overlaps the
 * rest of the writing; finish() hashes the rest up to end of file. Every byte hashed
 * is read back from the file (the real bytes, not the writer's buffers). The file is
 * opened once, so renaming it while hashing is fine.
 */
export class PrefixHasher {
  private readonly h = createHash('sha256');
  private pos = 0;
  private target = 0;
  /** Opened at once, so a rename of the file (before or while hashing) does not matter. */
  private fd: number | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failed?: Error;
  private readonly buf = Buffer.allocUnsafe(4 * 1024 * 1024);

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
  }

  /** Hash (in the background) the bytes before `end`, which must no longer change. */
  advance(end: number): void {
    if (end <= this.target) return;
    this.target = end;
    this.chain = this.chain.then(() => this.readTo(end)).catch((err: Error) => {
      this.failed ??= err;
    });
  }

  private async readTo(end: number): Promise<void> {
    if (this.fd === undefined) throw new Error(`${this.path}: hasher is closed`);
    while (this.pos < end) {
      const bytesRead = await readAsync(this.fd, this.buf, 0, Math.min(this.buf.byteLength, end - this.pos), this.pos);
      if (bytesRead === 0) throw new Error(`${this.path}: ends at ${this.pos} bytes, expected at least ${end}`);
      this.h.update(this.buf.subarray(0, bytesRead));
      this.pos += bytesRead;
    }
  }

  /** Hash what is left up to end of file; the file's sha256 and size. */
  async finish(): Promise<{ sha256: string; size: number }> {
    await this.chain;
    try {
      if (this.failed) throw this.failed;
      const size = fstatSync(this.fd!).size;
      if (size < this.pos) throw new Error(`${this.path}: shrank to ${size} bytes while being hashed`);
      await this.readTo(size);
      if (fstatSync(this.fd!).size !== size) throw new Error(`${this.path}: changed size while being hashed`);
      return { sha256: this.h.digest('hex'), size };
    } finally {
      this.close();
    }
  }

  /** Give up (the file is being discarded). */
  async abort(): Promise<void> {
    await this.chain;
    this.close();
  }

  private close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

interface StateEntry {
  size: string;
  mtime: string;
  ino: string;
  sha256: string;
}

interface StateFile {
  version: 1;
  files: Record<string, [size: string, mtimeNs: string, ino: string, sha256: string]>;
  /** Parsed import lists of code files, by content hash (see codegraph.ts). */
  imports: Record<string, unknown>;
}

/** Parse results kept (old versions of edited files fall off). */
const MAX_IMPORT_ENTRIES = 5000;

export class StateCache {
  private files = new Map<string, StateEntry>();
  private imports = new Map<string, unknown>();
  private dirty = false;
  /** Files hashed (not found in the cache) since load: for tests and benchmarks. */
  hashedCount = 0;
  hashedBytes = 0;

  private constructor(readonly path: string) {}

  /** Load `<root>/.ser/state.json`; a missing or unreadable file is an empty cache. */
  static async load(root: string): Promise<StateCache> {
    const c = new StateCache(join(root, '.ser', 'state.json'));
    try {
      const raw = JSON.parse(await readFile(c.path, 'utf8')) as StateFile;
      if (raw.version === 1) {
        for (const [p, [size, mtime, ino, sha]] of Object.entries(raw.files ?? {})) c.files.set(p, { size, mtime, ino, sha256: sha });
        for (const [h, v] of Object.entries(raw.imports ?? {})) c.imports.set(h, v);
      }
    } catch {
      // First run, or a corrupt cache: everything gets hashed again.
    }
    return c;
  }

  /** The cached hash of `abs` if its size, mtime and inode are unchanged. */
  lookup(abs: string, st: BigIntStats): string | undefined {
    const e = this.files.get(abs);
    if (e && e.size === String(st.size) && e.mtime === String(st.mtimeNs) && e.ino === String(st.ino)) return e.sha256;
    return undefined;
  }

  remember(abs: string, st: BigIntStats, sha: string): void {
    this.files.set(abs, { size: String(st.size), mtime: String(st.mtimeNs), ino: String(st.ino), sha256: sha });
    this.dirty = true;
  }

  getImports<T>(contentHash: string): T | undefined {
    const v = this.imports.get(contentHash);
    if (v !== undefined) {
      // Most recently used last, so save() can drop the oldest.
      this.imports.delete(contentHash);
      this.imports.set(contentHash, v);
    }
    return v as T | undefined;
  }

  setImports(contentHash: string, value: unknown): void {
    this.imports.set(contentHash, value);
    this.dirty = true;
  }

  /** sha256 of one file, from the cache when unchanged. */
  async hashFile(abs: string, st?: BigIntStats): Promise<string> {
    const s = st ?? (await stat(abs, { bigint: true }));
    const cached = this.lookup(abs, s);
    if (cached) return cached;
    const sha = await hashFile(abs, Number(s.size));
    // A file modified while being read would be cached under its new mtime with the
    // old content's hash; re-stat and only remember a stable result.
    const after = await stat(abs, { bigint: true });
    if (after.mtimeNs === s.mtimeNs && after.size === s.size) this.remember(abs, s, sha);
    this.hashedCount++;
    this.hashedBytes += Number(s.size);
    return sha;
  }

  /** Write the cache if anything changed (atomic: temp file + rename). */
  async save(): Promise<void> {
    if (!this.dirty) return;
    const recent = [...this.imports].slice(-MAX_IMPORT_ENTRIES);
    const out: StateFile = { version: 1, files: {}, imports: Object.fromEntries(recent) };
    for (const [p, e] of this.files) out.files[p] = [e.size, e.mtime, e.ino, e.sha256];
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(out));
    await rename(tmp, this.path);
    this.dirty = false;
  }
}

export interface PathHash {
  kind: 'file' | 'dir';
  hash: string;
  files: number;
  bytes: number;
}

/**
 * Files under `dir` (following symlinks, skipping loops), as [relative posix path, abs,
 * stats], sorted by path. Synchronous on purpose: for thousands of small stat calls
 * the sync API is several times faster than promises through the thread pool, and
 * this walk is what a no-op status spends its time on.
 */
export async function listFiles(dir: string): Promise<{ rel: string; abs: string; st: BigIntStats }[]> {
  const out: { rel: string; abs: string; st: BigIntStats }[] = [];
  const seen = new Set<string>();
  const walk = (abs: string, relDir: string): void => {
    const real = realpathSync(abs);
    if (seen.has(real)) return;
    seen.add(real);
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      const p = join(abs, e.name);
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        walk(p, rel);
        continue;
      }
      const st = statSync(p, { bigint: true });
      if (st.isDirectory()) walk(p, rel);
      else if (st.isFile()) out.push({ rel, abs: p, st });
    }
  };
  walk(dir, '');
  out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return out;
}

/** Hash over sorted (relative path, file hash) pairs. */
export function dirHash(entries: { rel: string; sha256: string }[]): string {
  const h = createHash('sha256');
  for (const e of entries) h.update(`${e.rel}\t${e.sha256}\n`);
  return h.digest('hex');
}

/**
 * Content hash of a file or directory, using (and filling) the state cache. Files are
 * hashed in parallel (I/O bound; sha256 itself runs at >1 GB/s with SHA-NI).
 */
export async function hashPath(abs: string, state: StateCache, concurrency = 8): Promise<PathHash> {
  const st = await stat(abs, { bigint: true });
  if (st.isFile()) return { kind: 'file', hash: await state.hashFile(abs, st), files: 1, bytes: Number(st.size) };
  const files = await listFiles(abs);
  // Cache hits synchronously; only the misses go through the I/O limiter.
  const hashes: (string | undefined)[] = files.map((f) => state.lookup(f.abs, f.st));
  const misses = files.flatMap((f, i) => (hashes[i] ? [] : [i]));
  if (misses.length) {
    const limit = pLimit(concurrency);
    await Promise.all(misses.map((i) => limit(async () => (hashes[i] = await state.hashFile(files[i].abs, files[i].st)))));
  }
  return {
    kind: 'dir',
    hash: dirHash(files.map((f, i) => ({ rel: f.rel, sha256: hashes[i]! }))),
    files: files.length,
    bytes: files.reduce((s, f) => s + Number(f.st.size), 0),
  };
}
