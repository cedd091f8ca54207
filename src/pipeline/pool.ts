// The worker-thread pool shared by every running stage (piscina), sized to the cores.
// Stages call ctx.pool.run(new URL('../src/x/tasks.ts', import.meta.url), 'fn', arg):
// the worker imports that module once and calls its export.
//
// Worker threads do not inherit the parent's module loader hooks (neither the CLI's
// tsx registration nor vitest's transformer). So a TypeScript task module goes to the
// workers as a plain-JS esbuild bundle that the main thread keeps up to date
// (pool-bundle.ts; starting a worker through tsx cost 0.8–1.7 CPU-s); without one, the
// worker entry (pool-worker.mjs) registers tsx itself. That works the same from the
// CLI, from vitest and from any working directory. The threads start with the pool and
// serve every stage of a run.
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import { createRequire } from 'node:module';
import type { Piscina } from 'piscina';
import type { Transferable, WorkerPool } from './types.ts';
import { enginePath } from './paths.ts';
import { taskBundle } from './pool-bundle.ts';

interface PoolTask {
  module: string; // file: URL
  /** file: URL of a plain-JS bundle of `module`, when there is one. */
  bundle?: string;
  fn: string;
  arg: unknown;
}

export interface PoolOptions {
  /** Worker threads; default SER_THREADS or the number of cores. */
  size?: number;
}

export interface ClosablePool extends WorkerPool {
  /** Like run(), cancellable: an aborted signal rejects the task (and ends its thread). */
  runWithSignal<T = unknown>(module: string | URL, fn: string, arg: unknown, transfer: Transferable[] | undefined, signal: AbortSignal | undefined): Promise<T>;
  /**
   * Start the threads now (they start on the first task otherwise): the runner calls it
   * when a stage is about to run, so thread start-up overlaps loading the stage's code.
   */
  warm(): void;
  /** Threads started so far (0 until the first task or warm()). */
  readonly threads: number;
  /** Stop all threads. Pending tasks are rejected. */
  destroy(): Promise<void>;
}

// piscina is loaded when the first task runs: a run with nothing to do never needs it.
const require = createRequire(import.meta.url);

/** Default pool size: env SER_THREADS, else the number of cores. */
export function defaultPoolSize(): number {
  const env = Number(process.env.SER_THREADS);
  return Number.isInteger(env) && env > 0 ? env : availableParallelism();
}

/** Normalize a task module reference to a file: URL string. */
export function moduleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (module.startsWith('file:')) return module;
  if (isAbsolute(module)) return pathToFileURL(module).href;
  throw new Error(`pool.run: task module must be an absolute path or a file: URL (got '${module}'); use new URL('./tasks.ts', import.meta.url)`);
}

/** Create a pool. Threads start on the first task (or warm()), so an idle CLI pays nothing. */
export function createWorkerPool(opts: PoolOptions = {}): ClosablePool {
  const size = opts.size ?? defaultPoolSize();
  let piscina: Piscina | undefined;
  const get = (): Piscina => {
    const { Piscina: PiscinaClass } = require('piscina') as typeof import('piscina');
    piscina ??= new PiscinaClass({
      filename: enginePath('pipeline', 'pool-worker.mjs'),
      minThreads: size,
      maxThreads: size,
      // Tasks are CPU-bound; one at a time per thread.
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      // Not the parent's flags (vitest's or the CLI's): the entry sets up tsx itself.
      // SER_PROF_WORKERS=<dir>: each thread writes a V8 CPU profile there (README).
      execArgv: process.env.SER_PROF_WORKERS ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SER_PROF_WORKERS}`] : [],
    });
    return piscina;
  };
  const runWithSignal = async <T>(module: string | URL, fn: string, arg: unknown, transfer: Transferable[] | undefined, signal: AbortSignal | undefined): Promise<T> => {
    const url = moduleUrl(module);
    const task: PoolTask = { module: url, bundle: await taskBundle(url), fn, arg };
    signal?.throwIfAborted();
    try {
      return (await get().run(task, { transferList: transfer as never, signal: signal ?? null })) as T;
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      const e = err instanceof Error ? err : new Error(String(err));
      if (!e.message.includes(task.module)) e.message = `${e.message} (worker task ${fn} in ${task.module})`;
      throw e;
    }
  };
  return {
    size,
    run: (module, fn, arg, transfer) => runWithSignal(module, fn, arg, transfer, undefined),
    runWithSignal,
    warm() {
      get();
    },
    get threads() {
      return piscina?.threads.length ?? 0;
    },
    async destroy() {
      const p = piscina;
      piscina = undefined;
      await p?.destroy();
    },
  };
}

/**
 * A view of a pool whose tasks are all cancelled by `signal` (one per stage run).
 * The stage signal gets one listener that fans out to a controller per running task:
 * handing the stage signal itself to each of 1440 queued tasks would pile up 1440
 * abort listeners on it (Node warns past 10).
 */
export function poolWithSignal(pool: ClosablePool, signal: AbortSignal): WorkerPool {
  const live = new Set<AbortController>();
  signal.addEventListener('abort', () => {
    for (const c of live) c.abort(signal.reason);
  }, { once: true });
  return {
    size: pool.size,
    async run<T>(module: string | URL, fn: string, arg: unknown, transfer?: Transferable[]): Promise<T> {
      signal.throwIfAborted();
      const c = new AbortController();
      live.add(c);
      try {
        return await pool.runWithSignal<T>(module, fn, arg, transfer, c.signal);
      } finally {
        live.delete(c);
      }
    },
  };
}

let shared: ClosablePool | undefined;

/** The process-wide pool (created lazily). */
export function sharedPool(): ClosablePool {
  shared ??= createWorkerPool();
  return shared;
}

/** Destroy the process-wide pool, e.g. in a test's afterAll. */
export async function destroySharedPool(): Promise<void> {
  const p = shared;
  shared = undefined;
  await p?.destroy();
}
