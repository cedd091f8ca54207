// Per-clip work in batches on the shared worker pool. A pool task has a fixed cost
// (messaging, structured clone of the argument); batches of a few clips make it
// negligible while still giving the threads enough pieces to balance (1440 clips → 180
// tasks).
import type { WorkerPool } from '../pipeline/types.ts';

export interface PoolMapOptions {
  /** Items per task. Default 8. */
  batch?: number;
  /** Called after each delivered task with the number of items done so far. */
  progress?: (done: number, total: number) => void;
  /** Tasks started but not yet delivered, at most. Default 3 per thread. */
  window?: number;
}

/**
 * Run `fn` of `module` over `items` in batches (the task gets an array of items and must
 * return an array of results, one per item, in order) and hand every result to
 * `onResult` in item order, as soon as it and all before it are done. At most `window`
 * batches are in flight or waiting for an earlier one, so memory stays bounded however
 * many items there are. A failing task or callback stops new tasks and rejects.
 */
export async function poolForEach<I, R>(
  pool: WorkerPool, module: URL, fn: string, items: readonly I[],
  onResult: (result: R, index: number) => void | Promise<void>, opts: PoolMapOptions = {},
): Promise<void> {
  const size = Math.max(1, opts.batch ?? 8);
  const batches: I[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  const window = Math.max(1, opts.window ?? pool.size * 3);
  let done = 0;
  opts.progress?.(0, items.length);
  if (!batches.length) return;
  await new Promise<void>((resolve, reject) => {
    const finished = new Map<number, R[]>();
    let next = 0; // next batch to start
    let deliver = 0; // next batch to hand out
    let failed = false;
    let delivering = false;
    const fail = (err: unknown) => {
      if (!failed) reject(err);
      failed = true;
    };
    const deliverReady = async () => {
      if (delivering) return; // one delivery loop at a time keeps onResult calls in order
      delivering = true;
      try {
        while (!failed && finished.has(deliver)) {
          const r = finished.get(deliver)!;
          finished.delete(deliver);
          const base = deliver * size;
          for (let k = 0; k < r.length; k++) await onResult(r[k], base + k);
          done += r.length;
          deliver++;
          opts.progress?.(done, items.length);
          startMore();
        }
      } catch (err) {
        fail(err);
      } finally {
        delivering = false;
      }
      if (!failed && deliver === batches.length) resolve();
    };
    const startMore = () => {
      while (!failed && next < batches.length && next - deliver < window) {
        const k = next++;
        const b = batches[k];
        pool.run<R[]>(module, fn, b).then((r) => {
          if (!Array.isArray(r) || r.length !== b.length) throw new Error(`${fn} returned ${Array.isArray(r) ? r.length : typeof r} results for ${b.length} items`);
          finished.set(k, r);
          return deliverReady();
        }).catch(fail);
      }
    };
    startMore();
  });
}

/** poolForEach collecting the results, in item order. */
export async function poolMap<I, R>(pool: WorkerPool, module: URL, fn: string, items: readonly I[], opts: PoolMapOptions = {}): Promise<R[]> {
  const out: R[] = new Array(items.length);
  await poolForEach<I, R>(pool, module, fn, items, (r, i) => {
    out[i] = r;
  }, opts);
  return out;
}
