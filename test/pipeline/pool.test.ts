import { afterAll, describe, expect, it } from 'vitest';
import { createWorkerPool, poolWithSignal } from '../../src/pipeline/pool.ts';

const tasks = new URL('../fixtures/toy-tasks/tasks.ts', import.meta.url);

describe('worker pool', () => {
  const pool = createWorkerPool({ size: 2 });
  afterAll(() => pool.destroy());

  it('runs an exported function of a TypeScript module in worker threads', async () => {
    const results = await Promise.all([1, 2, 3, 4].map((x) => pool.run<{ value: number; isMainThread: boolean; threadId: number }>(tasks, 'square', x)));
    expect(results.map((r) => r.value)).toEqual([1, 4, 9, 16]);
    expect(results.every((r) => !r.isMainThread)).toBe(true);
    expect(pool.size).toBe(2);
  });

  it('starts no thread until a task or warm(), then all of them', async () => {
    const idle = createWorkerPool({ size: 2 });
    try {
      expect(idle.threads).toBe(0);
      idle.warm();
      expect(idle.threads).toBe(2);
      idle.warm(); // idempotent
      expect(idle.threads).toBe(2);
      expect((await idle.run<{ value: number }>(tasks, 'square', 7)).value).toBe(49);
    } finally {
      await idle.destroy();
    }
    expect(idle.threads).toBe(0);
  });

  it('accepts absolute paths and file: URL strings', async () => {
    const r1 = await pool.run<{ value: number }>(tasks.href, 'square', 3);
    const r2 = await pool.run<{ value: number }>(decodeURIComponent(tasks.pathname), 'square', 5);
    expect([r1.value, r2.value]).toEqual([9, 25]);
  });

  it('moves transferables both ways', async () => {
    const buf = new Float64Array([1, 2, 3.5]).buffer;
    expect(await pool.run(tasks, 'sumTransferred', buf, [buf])).toBe(6.5);
    expect(buf.byteLength).toBe(0); // moved, not copied
    const r = await pool.run<{ a: Float32Array; n: number }>(tasks, 'fill', 1000);
    expect(r.n).toBe(1000);
    expect(r.a).toBeInstanceOf(Float32Array);
    expect(r.a[999]).toBe(1.5);
  });

  it('propagates task errors and names missing exports', async () => {
    await expect(pool.run(tasks, 'fail', 'boom')).rejects.toThrow(/task failed: boom/);
    await expect(pool.run(tasks, 'nope', 1)).rejects.toThrow(/no exported function 'nope'.*square/);
    await expect(pool.run('relative/path.ts', 'square', 1)).rejects.toThrow(/absolute path or a file: URL/);
  });

  it('runs many concurrent tasks of one stage without piling listeners on its signal', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const view = poolWithSignal(pool, new AbortController().signal);
      const r = await Promise.all(Array.from({ length: 300 }, (_, i) => view.run<{ value: number }>(tasks, 'square', i)));
      expect(r[299].value).toBe(299 * 299);
      await new Promise((res) => setTimeout(res, 50));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.includes('MaxListeners'))).toEqual([]);
  });

  it('cancels tasks when the stage signal aborts', async () => {
    const ac = new AbortController();
    const view = poolWithSignal(pool, ac.signal);
    const p = view.run(tasks, 'sleep', 5000);
    const queued = Array.from({ length: 5 }, () => view.run(tasks, 'sleep', 5000));
    setTimeout(() => ac.abort(new Error('cancelled by test')), 100);
    const t0 = Date.now();
    await expect(p).rejects.toThrow(/cancelled by test/);
    for (const q of queued) await expect(q).rejects.toThrow(/cancelled by test/);
    await expect(view.run(tasks, 'square', 1)).rejects.toThrow(/cancelled by test/);
    expect(Date.now() - t0).toBeLessThan(3000);
    // The pool still works afterwards.
    expect((await pool.run<{ value: number }>(tasks, 'square', 7)).value).toBe(49);
  });
});
