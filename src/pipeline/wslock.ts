// One writer per workspace: `ser run` and `ser gc` hold .ser/run.lock while they touch
// the artifact store and pipeline.lock. A second run waits (saying for whom), fails
// after a timeout, or fails at once with --no-wait. A lock left by a dead process
// (same host, pid gone) is taken over.
//
// The lock file is created complete and atomically: written to a private temp file,
// then hard-linked to the lock name (link fails if it exists). Taking over a stale
// lock renames it away first, and re-checks what it renamed, so two waiters cannot
// both remove a live lock.
import { hostname } from 'node:os';
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LockOwner {
  pid: number;
  host: string;
  started: string;
  command: string;
}

export interface AcquireOptions {
  /** Wait for the other run (default true). */
  wait?: boolean;
  /** Give up after this many seconds (default 600). */
  timeoutS?: number;
  /** Called once when we start waiting. */
  onWait?: (message: string) => void;
  command?: string;
  signal?: AbortSignal;
}

export class WorkspaceBusyError extends Error {}

export function lockPathOf(root: string): string {
  return join(root, '.ser', 'run.lock');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

function isStale(o: LockOwner | undefined): boolean {
  return !o || (o.host === hostname() && !alive(o.pid));
}

function describe(o: LockOwner): string {
  return `pid ${o.pid}${o.host !== hostname() ? ` on ${o.host}` : ''}, \`${o.command}\`, started ${o.started}`;
}

/** Acquire the workspace lock; resolves to a release function. */
export async function acquireWorkspaceLock(root: string, opts: AcquireOptions = {}): Promise<() => Promise<void>> {
  const path = lockPathOf(root);
  await mkdir(join(root, '.ser'), { recursive: true });
  const me: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command: opts.command ?? 'ser' };
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await writeFile(tmp, JSON.stringify(me));
  const deadline = Date.now() + (opts.timeoutS ?? 600) * 1000;
  let told = false;
  try {
    for (;;) {
      try {
        await link(tmp, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = await readOwner(path);
      if (isStale(owner)) {
        // Move it aside, then make sure what we moved was the stale lock and not a
        // fresh one another process created in between.
        const aside = `${path}.stale.${process.pid}`;
        try {
          await rename(path, aside);
        } catch {
          continue;
        }
        const moved = await readOwner(aside);
        if (moved && !isStale(moved)) await link(aside, path).catch(() => undefined);
        await unlink(aside).catch(() => undefined);
        continue;
      }
      if (opts.wait === false) throw new WorkspaceBusyError(`another ser run holds this workspace (${describe(owner!)}); not waiting (--no-wait)`);
      if (Date.now() > deadline) throw new WorkspaceBusyError(`gave up after ${opts.timeoutS ?? 600} s waiting for another ser run (${describe(owner!)}); see ${path}`);
      if (!told) {
        opts.onWait?.(`waiting for another ser run to finish (${describe(owner!)})…`);
        told = true;
      }
      opts.signal?.throwIfAborted();
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  // Released on normal exit even if the caller forgets (e.g. process.exit()).
  const onExit = () => {
    try {
      if (existsSync(path) && (JSON.parse(readFileSync(path, 'utf8')) as LockOwner).pid === process.pid) unlinkSync(path);
    } catch {
      // nothing to release
    }
  };
  process.once('exit', onExit);
  return async () => {
    process.removeListener('exit', onExit);
    const o = await readOwner(path);
    if (o?.pid === process.pid) await unlink(path).catch(() => undefined);
  };
}
