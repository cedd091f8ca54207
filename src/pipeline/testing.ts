// Unit-testing a stage without the runner:
//
//   import stage from '../../stages/featurize.ts';
//   import { createTestContext, destroySharedPool } from '../../src/pipeline/testing.ts';
//   afterAll(() => destroySharedPool());
//   const ctx = await createTestContext({ params: { features: {...} }, inputs: { resample: [dir] } });
//   await stage.run(ctx);   // then read files in ctx.outDir; ctx.logs, ctx.progressEvents
//
// The context is real: a real worker pool (shared, sized to the cores), the same
// read-only params view the runner uses (throwing on undeclared params when
// `declared` is given), log lines and progress collected in memory.
import { rmSync } from 'node:fs';
import { mkdtemp, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Artifact, ParamValue, Params, StageContext } from './types.ts';
import { declaredParamsView } from './params.ts';
import { destroySharedPool as destroyPool, poolWithSignal, sharedPool } from './pool.ts';

// Temporary output directories this module created; removed by destroySharedPool()
// (call it in afterAll) and, as a fallback, when the test process exits.
const tempDirs = new Set<string>();
process.once('exit', () => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** Remove the temporary outDirs made by createTestContext (not caller-given ones). */
export function cleanupTestContexts(): void {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

/** Stop the shared worker pool and remove createTestContext's temporary outDirs. */
export async function destroySharedPool(): Promise<void> {
  cleanupTestContexts();
  await destroyPool();
}

export interface TestContextOptions {
  /** Stage name (default 'test'). */
  stage?: string;
  /** Param tree, as under `params:` in pipeline.yaml. */
  params?: Params;
  /**
   * Declared params (prefixes, as in pipeline.yaml). Default: every top-level key of
   * `params`. Give it to check that the stage reads only what it declares.
   */
  declared?: string[];
  /** Upstream artifacts by stage: Artifact objects, or just their directories. */
  inputs?: Record<string, readonly (Artifact | string)[] | string>;
  /** Output directory (created); default a fresh temporary directory, removed by destroySharedPool() or at exit. */
  outDir?: string;
  /** Raw data paths (made absolute). */
  data?: string[];
  /** Matrix values of the instance. */
  matrix?: Record<string, ParamValue>;
  /** Project root; default the current directory. */
  root?: string;
  /** Cancel the stage from the test. */
  signal?: AbortSignal;
}

export interface TestStageContext extends StageContext {
  /** Every ctx.log() message, in order. */
  readonly logs: string[];
  /** Every ctx.progress() call, in order. */
  readonly progressEvents: { done: number; total: number; note?: string }[];
}

export async function createTestContext(opts: TestContextOptions = {}): Promise<TestStageContext> {
  const stage = opts.stage ?? 'test';
  const params = opts.params ?? {};
  let outDir: string;
  if (opts.outDir) outDir = resolve(opts.outDir);
  else {
    outDir = await mkdtemp(join(tmpdir(), `ser-test-${stage}-`));
    tempDirs.add(outDir);
  }
  await mkdir(outDir, { recursive: true });
  const inputs: Record<string, Artifact[]> = {};
  for (const [up, list] of Object.entries(opts.inputs ?? {})) {
    const arr = typeof list === 'string' ? [list] : list;
    inputs[up] = arr.map((a) =>
      typeof a === 'string' ? { stage: up, matrix: {}, key: 'test', dir: resolve(a) } : { ...a, dir: resolve(a.dir) },
    );
  }
  const signal = opts.signal ?? new AbortController().signal;
  const logs: string[] = [];
  const progressEvents: { done: number; total: number; note?: string }[] = [];
  return {
    stage,
    matrix: Object.freeze({ ...(opts.matrix ?? {}) }),
    params: declaredParamsView(params, opts.declared ?? Object.keys(params), stage),
    outDir,
    inputs,
    data: (opts.data ?? []).map((d) => resolve(d)),
    root: resolve(opts.root ?? process.cwd()),
    pool: poolWithSignal(sharedPool(), signal),
    signal,
    logs,
    progressEvents,
    log(message: string) {
      logs.push(message);
    },
    progress(done: number, total: number, note?: string) {
      progressEvents.push(note === undefined ? { done, total } : { done, total, note });
    },
  };
}
