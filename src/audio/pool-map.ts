// Per-clip work in batches on the shared worker pool. One pool task costs ~0.6 ms of CPU
// here (task dispatch and the worker's dynamic import of the task module), as much as
// checking a clip; batches of a few clips make that negligible while still giving the
// threads enough pieces to balance (1440 clips → 180 tasks).
import pLimit from 'p-limit';
import type { WorkerPool } from '../pipeline/types.ts';

export interface PoolMapOptions {
  /** Items per task. Default 8. */
  batch?: number;
  /** Called after each finished task with the number of items done so far. */
  progress?: (done: number, total: number) => void;
}

/**
 * Run `fn` of `module` over `items` in batches: the task gets an array of items and must
 * return an array of results, one per item, in order. Results come back in item order.
 */
export async function poolMap<I, R>(pool: WorkerPool, module: URL, fn: string, items: readonly I[], opts: PoolMapOptions = {}): Promise<R[]> {
  const size = Math.max(1, opts.batch ?? 8);
  const batches: I[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  // A few tasks queued per thread keep the pool busy without every task pending at once.
  const limit = pLimit(pool.size * 3);
  let done = 0;
  opts.progress?.(0, items.length);
  const results = await Promise.all(
    batches.map((b) => limit(async () => {
      const r = await pool.run<R[]>(module, fn, b);
      if (!Array.isArray(r) || r.length !== b.length) throw new Error(`${fn} returned ${Array.isArray(r) ? r.length : typeof r} results for ${b.length} items`);
      done += b.length;
      opts.progress?.(done, items.length);
      return r;
    })),
  );
  return results.flat();
}
