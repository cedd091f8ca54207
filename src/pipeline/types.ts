// The contract between the engine and the stages. A stage is one file in stages/
// whose default export is a StageModule; pipeline.yaml wires stages together
// (deps, params, raw data, matrix). Stage code never touches the cache, the lock or
// other stages' directories except through `ctx`.

import type { TransferListItem } from 'node:worker_threads';

/** Something moved (not copied) to or from a worker: an ArrayBuffer, a MessagePort, … */
export type Transferable = TransferListItem;

/** Parameter values as parsed from pipeline.yaml (after --set overrides). */
export type ParamValue = null | boolean | number | string | ParamValue[] | { [key: string]: ParamValue };
export type Params = { [key: string]: ParamValue };

/** One finished upstream artifact (one matrix instance of a stage). */
export interface Artifact {
  /** Stage name, e.g. "train". */
  stage: string;
  /** Matrix values of this instance, e.g. { fold: 2 }; {} for a plain stage. */
  matrix: Record<string, ParamValue>;
  /** Cache key (hex) of the instance. */
  key: string;
  /** Absolute path of the immutable artifact directory. */
  dir: string;
}

/** A pool of worker threads shared by all running stages, sized to the cores. */
export interface WorkerPool {
  /** Number of worker threads. */
  readonly size: number;
  /**
   * Run `fn` exported by the module at `module` (absolute path or file: URL of a .ts
   * or .js file) in a worker, with a structured-clonable argument. Transferables in
   * `transfer` are moved, not copied.
   */
  run<T = unknown>(module: string | URL, fn: string, arg: unknown, transfer?: Transferable[]): Promise<T>;
}

export interface StageContext {
  /** Stage name from pipeline.yaml. */
  readonly stage: string;
  /** Matrix values of this instance ({} when the stage has no matrix). */
  readonly matrix: Readonly<Record<string, ParamValue>>;
  /**
   * Resolved params (pipeline.yaml + --set). Only the params the stage declares in
   * pipeline.yaml are readable; reading any other throws, so an undeclared param can
   * never change output without changing the cache key.
   */
  readonly params: Readonly<Params>;
  /** Absolute path of the (temporary) output directory; renamed into place on success. */
  readonly outDir: string;
  /** Upstream artifacts by stage name; one entry per matrix instance, in matrix order. */
  readonly inputs: Readonly<Record<string, readonly Artifact[]>>;
  /** Raw data dependencies declared under `data:` in pipeline.yaml, resolved to absolute paths. */
  readonly data: readonly string[];
  /** Absolute project root (the directory holding pipeline.yaml). */
  readonly root: string;
  /** Shared worker-thread pool for per-item CPU work. */
  readonly pool: WorkerPool;
  /** Aborted when the run is cancelled (Ctrl-C) or another stage failed fatally. */
  readonly signal: AbortSignal;
  /** One log line; saved to the stage's log beside its artifact. */
  log(message: string): void;
  /** Progress of the stage's main loop: drives the live line (done/total, rate, ETA). */
  progress(done: number, total: number, note?: string): void;
  /**
   * Optional: the stage has already hashed output `path` (relative to outDir) by reading
   * back the bytes it wrote (e.g. PrefixHasher, overlapping the writing), and will not
   * touch it again. The runner takes the file's size, mtime, ctime and inode now and
   * uses this sha256 instead of re-reading the file only if they are unchanged when it
   * seals the artifact; otherwise it hashes the file itself.
   */
  outputHashed?(path: string, sha256: string): void;
}

export interface StageModule {
  /** One line shown by `ser status` and in the report. */
  description: string;
  /** Files (or directories, ending in "/") the stage writes into ctx.outDir. */
  outs: string[];
  /**
   * Optional step run before the stage's cache key is computed, for stages whose raw
   * data may have to be fetched first (ingest downloads RAVDESS when it is missing).
   * `ser run` calls it when one of the stage's `data:` paths does not exist (so a no-op
   * run never imports the stage); `ser status` never calls it. It must be idempotent
   * and must not write into artifacts/.
   */
  prepare?(ctx: PrepareContext): Promise<void>;
  /** Do the work: read ctx.inputs / ctx.data, write ctx.outs into ctx.outDir. */
  run(ctx: StageContext): Promise<void>;
  /**
   * Stable copies of outputs, refreshed by the runner whenever this stage's artifact is
   * produced or reused: output path (inside outDir) -> project-relative destination,
   * e.g. { 'report.html': 'artifacts/report.html' }. Meant for non-matrix stages.
   */
  publish?: Record<string, string>;
}

export interface PrepareContext {
  readonly stage: string;
  readonly params: Readonly<Params>;
  readonly root: string;
  readonly signal: AbortSignal;
  log(message: string): void;
  progress(done: number, total: number, note?: string): void;
}

/** Helper for type inference in stage files: `export default defineStage({...})`. */
export function defineStage(stage: StageModule): StageModule {
  return stage;
}
