// `ser run`: bring stage instances up to date. Instances start as soon as their
// upstream instances are settled (DAG scheduling), bounded by p-limit (`jobs`,
// default = cores) and by a stage's own `max_parallel`. For each instance:
//   key known and artifact in the store  -> reuse it (no run), update pipeline.lock
//   otherwise -> verify the input artifacts' hashes, run the stage into a temp dir,
//                hash its outputs, seal and rename it into place, update the lock.
// The first failure (or Ctrl-C) aborts the others through ctx.signal.
import { createWriteStream, existsSync, statSync, type BigIntStats, type WriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pLimit from 'p-limit';
import type { Artifact, StageContext, StageModule } from './types.ts';
import type { Instance, Pipeline, StageSpec } from './config.ts';
import { checkStageNames, upstreamClosure } from './config.ts';
import { StateCache, sha256 } from './hash.ts';
import { normalizeEntry, outHash, readLock, writeLock, type LockEntry, type LockFile } from './lock.ts';
import { Planner, formatEvaluation, type Evaluation } from './plan.ts';
import { canonicalJson, declaredParamsView } from './params.ts';
import { poolWithSignal, sharedPool } from './pool.ts';
import type { Reporter } from './progress.ts';
import { formatDuration } from './progress.ts';
import { artifactDir, commitArtifact, hashOutputs, type KnownHash, logPath, makeTempDir, publishCopy, readMarker, removeDeadTemps, verifyArtifact, type Marker } from './store.ts';
import { acquireWorkspaceLock } from './wslock.ts';
import { ensureTypeScript } from './paths.ts';

export interface RunOptions {
  /** Stages to bring up to date (default: all). */
  targets?: string[];
  /** Run only the targets, taking upstream artifacts as recorded in pipeline.lock. */
  only?: boolean;
  /** Rerun the targets (all stages when none named) even when fresh. */
  force?: boolean;
  /** Print what would run and why; run nothing. */
  dry?: boolean;
  /** Max concurrently running stage instances (default: cores). */
  jobs?: number;
  /** Wait for another run holding the workspace (default true). */
  wait?: boolean;
  waitTimeoutS?: number;
  /** Record results in pipeline.lock (default true; experiments may not want to). */
  writeLock?: boolean;
  /**
   * Refresh the stable copies stages publish (e.g. artifacts/report.html; default
   * true). Experiments pass false so a variant never replaces the workspace's report.
   */
  publish?: boolean;
  reporter: Reporter;
  signal?: AbortSignal;
  /** For the workspace lock's owner line. */
  command?: string;
}

export type Outcome = 'fresh' | 'reused' | 'ran' | 'failed' | 'skipped' | 'would-run';

export interface InstanceResult {
  id: string;
  stage: string;
  outcome: Outcome;
  key?: string;
  dir?: string;
  /** Seconds this run spent on it (0 when fresh or reused). */
  seconds: number;
  error?: Error;
}

export interface RunSummary {
  /** Everything requested is up to date (no failure, not cancelled). */
  ok: boolean;
  /** The run was cancelled (signal / Ctrl-C). */
  cancelled?: boolean;
  results: InstanceResult[];
  /** The lock as updated by this run (also written to disk unless writeLock: false). */
  lock: LockFile;
}

export class StageFailedError extends Error {}

/** A clear message for an input artifact that no longer matches its marker. */
export class TamperedArtifactError extends Error {}

async function loadStageModule(spec: StageSpec): Promise<StageModule> {
  let mod: { default?: StageModule };
  await ensureTypeScript();
  try {
    mod = (await import(pathToFileURL(spec.file).href)) as { default?: StageModule };
  } catch (err) {
    throw new StageFailedError(`${spec.relFile}: cannot load stage module: ${(err as Error).message}`);
  }
  const s = mod.default;
  const problems: string[] = [];
  if (!s || typeof s !== 'object') problems.push('no default export');
  else {
    if (typeof s.description !== 'string') problems.push('description must be a string');
    if (!Array.isArray(s.outs) || s.outs.some((o) => typeof o !== 'string')) problems.push('outs must be a list of file names');
    if (typeof s.run !== 'function') problems.push('run must be a function');
    if (s.prepare !== undefined && typeof s.prepare !== 'function') problems.push('prepare must be a function');
    for (const [from, to] of Object.entries(s.publish ?? {})) {
      if (isAbsolute(to) || to.split(/[\\/]/).includes('..')) problems.push(`publish['${from}'] must be a project-relative path inside the project, got '${to}'`);
    }
  }
  if (problems.length) throw new StageFailedError(`${spec.relFile}: not a valid stage (${problems.join('; ')}); expected export default defineStage({ description, outs, run })`);
  return s!;
}

class LogFile {
  private stream?: WriteStream;
  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'a' });
  }
  write(line: string): void {
    this.stream?.write(`${new Date().toISOString()} ${line}\n`);
  }
  async close(): Promise<void> {
    const s = this.stream;
    this.stream = undefined;
    if (s) await new Promise<void>((r) => s.end(r));
  }
}

/** Bring the pipeline (or `targets`) up to date. Takes the workspace lock. */
export async function runPipeline(pipeline: Pipeline, opts: RunOptions): Promise<RunSummary> {
  const { reporter } = opts;
  const root = pipeline.root;
  if (opts.targets?.length) checkStageNames(pipeline, opts.targets);
  if (opts.only && !opts.targets?.length) throw new StageFailedError('--only needs a stage name: ser run <stage> --only');
  for (const w of pipeline.warnings) reporter.warn(w);

  const release = opts.dry
    ? async () => {}
    : await acquireWorkspaceLock(root, { wait: opts.wait, timeoutS: opts.waitTimeoutS, onWait: (m) => reporter.info(m), command: opts.command, signal: opts.signal });
  const state = await StateCache.load(root);
  try {
    const lock = await readLock(root);
    const planner = new Planner(pipeline, state, lock);
    const targets = opts.targets?.length ? opts.targets : pipeline.stages.map((s) => s.name);
    const stages = opts.only ? pipeline.stages.filter((s) => targets.includes(s.name)) : upstreamClosure(pipeline, targets);
    const forced = new Set(opts.force ? targets : []);
    if (!stages.length) {
      reporter.info('nothing to run: pipeline.yaml has no stages');
      return { ok: true, results: [], lock };
    }
    if (opts.dry) return await dryRun(planner, stages, forced, opts);
    const run = new Run(planner, stages, forced, opts);
    return await run.execute();
  } finally {
    await state.save().catch(() => undefined);
    await release();
  }
}

async function dryRun(planner: Planner, stages: StageSpec[], forced: Set<string>, opts: RunOptions): Promise<RunSummary> {
  const evals = opts.only ? await evaluateOnly(planner, stages) : await planner.evaluateAll(stages);
  const results: InstanceResult[] = [];
  for (const ev of evals) {
    const force = forced.has(ev.inst.stage.name);
    let line: string;
    let outcome: Outcome = 'would-run';
    if (ev.state === 'fresh' && !force) {
      line = `${ev.inst.id}: fresh, nothing to do`;
      outcome = 'fresh';
    } else if (ev.state === 'cached' && !force) {
      line = `would reuse ${ev.inst.id} from the cache — ${ev.reasons.join('; ')}`;
      outcome = 'reused';
    } else if (ev.state === 'blocked' && ev.lock && !force) line = `may run ${ev.inst.id} — ${ev.reasons.join('; ')} (skipped if the upstream outputs come out unchanged)`;
    else line = `would run ${ev.inst.id} — ${force ? ['forced', ...ev.reasons].join('; ') : ev.reasons.join('; ')}`;
    opts.reporter.info(line);
    results.push({ id: ev.inst.id, stage: ev.inst.stage.name, outcome, key: ev.key, seconds: 0 });
  }
  return { ok: true, results, lock: planner.lock };
}

/** --only: inputs come from pipeline.lock (or the store) without running upstream. */
async function evaluateOnly(planner: Planner, stages: StageSpec[]): Promise<Evaluation[]> {
  const out: Evaluation[] = [];
  for (const s of stages) {
    const inputs = await onlyInputs(planner, s);
    for (const inst of planner.instances(s)) out.push(await planner.evaluate(inst, Object.fromEntries(inputs.map((a) => [a.id, a.marker.entry.out_hash]))));
  }
  return out;
}

interface ResolvedInput {
  id: string;
  marker: Marker;
  artifact: Artifact;
}

async function onlyInputs(planner: Planner, stage: StageSpec): Promise<ResolvedInput[]> {
  const out: ResolvedInput[] = [];
  for (const dep of stage.deps) {
    const up = planner.pipeline.byName.get(dep)!;
    for (const inst of planner.instances(up)) {
      const entry = planner.lock.stages[inst.id];
      let marker = entry ? await readMarker(artifactDir(planner.root, dep, entry.key)) : undefined;
      if (!marker) {
        // Not recorded (or gone): accept an artifact matching the current pipeline.
        const ev = (await planner.evaluateAll(upstreamClosure(planner.pipeline, [dep]))).find((e) => e.inst.id === inst.id);
        marker = ev?.marker && (ev.state === 'fresh' || ev.state === 'cached') ? ev.marker : undefined;
      }
      if (!marker) {
        throw new StageFailedError(
          `${stage.name} --only: no artifact of upstream stage '${inst.id}'${entry ? ` (pipeline.lock names ${entry.key.slice(0, 12)}, which is not in artifacts/${dep}/)` : ' (not in pipeline.lock)'}; run \`npx ser run ${dep}\` first, or drop --only`,
        );
      }
      out.push({ id: inst.id, marker, artifact: { stage: dep, matrix: inst.matrix, key: marker.entry.key, dir: artifactDir(planner.root, dep, marker.entry.key) } });
    }
  }
  return out;
}

interface Settled {
  ok: boolean;
  artifact?: Artifact;
  outHash?: string;
}

class Run {
  private readonly abort = new AbortController();
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly stageLimits = new Map<string, ReturnType<typeof pLimit>>();
  private readonly settled = new Map<string, Promise<Settled>>();
  private readonly results: InstanceResult[] = [];
  private readonly modules = new Map<string, Promise<StageModule>>();
  /** Input artifacts already verified in this run (each is checked once). */
  private readonly verified = new Map<string, Promise<void>>();
  /**
   * Output hashes of artifacts sealed by this run, with each file's stats taken before
   * it was hashed, by artifact dir: a downstream stage's input check re-reads only files whose
   * size, mtime, ctime or inode changed since (any write or replacement changes them).
   */
  private readonly sealed = new Map<string, Map<string, KnownHash>>();
  private lockWrites: Promise<unknown> = Promise.resolve();
  private firstError?: Error;
  private readonly order: string[];

  constructor(
    private readonly planner: Planner,
    private readonly stages: StageSpec[],
    private readonly forced: Set<string>,
    private readonly opts: RunOptions,
  ) {
    this.limit = pLimit(opts.jobs ?? sharedPool().size);
    for (const s of stages) if (s.maxParallel) this.stageLimits.set(s.name, pLimit(s.maxParallel));
    if (opts.signal) {
      if (opts.signal.aborted) this.abort.abort(opts.signal.reason);
      else opts.signal.addEventListener('abort', () => this.abort.abort(opts.signal!.reason), { once: true });
    }
    this.order = planner.pipeline.stages.flatMap((s) => planner.instances(s).map((i) => i.id));
  }

  private get root(): string {
    return this.planner.root;
  }

  private module(spec: StageSpec): Promise<StageModule> {
    let m = this.modules.get(spec.name);
    if (!m) {
      m = loadStageModule(spec);
      this.modules.set(spec.name, m);
    }
    return m;
  }

  async execute(): Promise<RunSummary> {
    const { reporter } = this.opts;
    const t0 = Date.now();
    // Stages whose raw data is missing get their prepare() (e.g. a download) first.
    for (const s of this.stages) {
      if (s.data.some((d) => !existsSync(d.abs))) {
        const mod = await this.module(s);
        if (mod.prepare) {
          reporter.stageStart(s.name, 'preparing (data missing)');
          await mod.prepare({
            stage: s.name,
            params: declaredParamsView(this.planner.pipeline.params, s.params, s.name),
            root: this.root,
            signal: this.abort.signal,
            log: (m) => reporter.stageLog(s.name, m),
            progress: (d, t, n) => reporter.stageProgress(s.name, d, t, n),
          });
          reporter.stageEnd(s.name, 'prepared');
          this.planner.invalidate(s);
        }
        const missing = s.data.filter((d) => !existsSync(d.abs));
        if (missing.length) throw new StageFailedError(`${s.name}: data path ${missing.map((d) => d.path).join(', ')} does not exist (stages.${s.name}.data in pipeline.yaml${mod.prepare ? '; its prepare step did not create it' : ''})`);
      }
    }
    const onlyResolved = new Map<string, ResolvedInput[]>();
    if (this.opts.only) for (const s of this.stages) onlyResolved.set(s.name, await onlyInputs(this.planner, s));

    const all: Promise<Settled>[] = [];
    for (const s of this.stages) {
      for (const inst of this.planner.instances(s)) {
        const p = this.instance(inst, onlyResolved.get(s.name));
        this.settled.set(inst.id, p);
        all.push(p);
      }
    }
    await Promise.all(all);
    await this.lockWrites;
    if (this.opts.writeLock !== false) await this.pruneLock();

    const count = (o: Outcome) => this.results.filter((r) => r.outcome === o).length;
    const cancelled = this.abort.signal.aborted && !this.firstError;
    const ok = !this.firstError && !cancelled;
    const parts = [`${count('ran')} ran`, `${count('reused')} reused from cache`, `${count('fresh')} fresh`];
    if (count('failed')) parts.push(`${count('failed')} failed`);
    if (count('skipped')) parts.push(`${count('skipped')} skipped`);
    reporter.info(`${ok ? 'done' : cancelled ? 'CANCELLED' : 'FAILED'}: ${parts.join(', ')} in ${formatDuration((Date.now() - t0) / 1000)}`);
    return { ok, cancelled, results: this.results, lock: this.planner.lock };
  }

  private fail(err: Error): void {
    if (!this.firstError) {
      this.firstError = err;
      this.abort.abort(err);
    }
  }

  private async instance(inst: Instance, onlyInputs?: ResolvedInput[]): Promise<Settled> {
    const { reporter } = this.opts;
    const stage = inst.stage;
    const result: InstanceResult = { id: inst.id, stage: stage.name, outcome: 'skipped', seconds: 0 };
    this.results.push(result);
    try {
      // 1. Upstream artifacts.
      const inputs: Record<string, Artifact[]> = {};
      const inputHashes: Record<string, string> = {};
      if (onlyInputs) {
        for (const r of onlyInputs) {
          (inputs[r.artifact.stage] ??= []).push(r.artifact);
          inputHashes[r.id] = r.marker.entry.out_hash;
        }
      } else {
        for (const dep of stage.deps) {
          inputs[dep] = [];
          for (const up of this.planner.instances(this.planner.pipeline.byName.get(dep)!)) {
            const s = await this.settled.get(up.id)!;
            if (!s.ok) {
              result.outcome = 'skipped';
              return { ok: false };
            }
            inputs[dep].push(s.artifact!);
            inputHashes[up.id] = s.outHash!;
          }
        }
      }
      if (this.abort.signal.aborted) return { ok: false };

      // 2. Key, and the store.
      const ev = await this.planner.evaluate(inst, inputHashes);
      const key = ev.key!;
      result.key = key;
      const force = this.forced.has(stage.name);
      if (!force && (ev.state === 'fresh' || ev.state === 'cached')) {
        const marker = ev.marker!;
        result.outcome = ev.state === 'fresh' ? 'fresh' : 'reused';
        result.dir = artifactDir(this.root, stage.name, key);
        if (ev.state === 'cached') reporter.info(`${inst.id}: reused cached artifact ${key.slice(0, 12)} (${ev.reasons.join('; ')})`);
        await this.record(inst, marker.entry);
        await this.publish(marker);
        return { ok: true, artifact: { stage: stage.name, matrix: inst.matrix, key, dir: result.dir }, outHash: marker.entry.out_hash };
      }

      // 3. Run it, within the global and per-stage limits.
      const stageLimit = this.stageLimits.get(stage.name);
      const go = () => this.limit(() => this.runInstance(inst, ev, inputs, force, result));
      return await (stageLimit ? stageLimit(go) : go());
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      result.outcome = 'failed';
      result.error = e;
      this.fail(e);
      return { ok: false };
    }
  }

  private async runInstance(inst: Instance, ev: Evaluation, inputs: Record<string, Artifact[]>, force: boolean, result: InstanceResult): Promise<Settled> {
    const { reporter } = this.opts;
    const stage = inst.stage;
    const key = ev.key!;
    if (this.abort.signal.aborted) return { ok: false };
    // Most stages that run send work to the pool: its threads start while the stage's
    // code loads (~0.1 s each, measured on the front-end stages) rather than after.
    sharedPool().warm();
    const mod = await this.module(stage);

    // Inputs must be exactly what their markers say (tampering, disk corruption).
    for (const list of Object.values(inputs)) for (const a of list) await this.verifyInput(inst, a);

    const why = force ? ['forced', ...ev.reasons] : ev.reasons;
    reporter.stageStart(inst.id, `running (${why.join('; ')})`);
    await removeDeadTemps(this.root, stage.name);
    const tmp = await makeTempDir(this.root, stage.name, key);
    const log = new LogFile(`${tmp}.log`);
    log.write(`${inst.id} key=${key} reasons: ${why.join('; ')}`);
    const t0 = Date.now();
    const signal = this.abort.signal;
    const knownHashes = new Map<string, KnownHash>();
    const ctx: StageContext = {
      stage: stage.name,
      matrix: Object.freeze({ ...inst.matrix }),
      params: declaredParamsView(this.planner.pipeline.params, stage.params, stage.name),
      outDir: tmp,
      inputs,
      data: stage.data.map((d) => d.abs),
      root: this.root,
      pool: poolWithSignal(sharedPool(), signal),
      signal,
      log: (m) => {
        log.write(m);
        reporter.stageLog(inst.id, m);
      },
      progress: (done, total, note) => reporter.stageProgress(inst.id, done, total, note),
      outputHashed: (path, sha256) => {
        const rel = path.split('\\').join('/');
        const st = statSync(join(tmp, rel), { bigint: true, throwIfNoEntry: false });
        if (st?.isFile() && /^[0-9a-f]{64}$/.test(sha256)) knownHashes.set(rel, { sha256, st });
      },
    };
    let failed: Error | undefined;
    try {
      await mod.run(ctx);
      signal.throwIfAborted();
      const missing = mod.outs.filter((o) => !existsSync(join(tmp, o)));
      if (missing.length) throw new StageFailedError(`did not write its declared output${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (outs in ${stage.relFile})`);
    } catch (err) {
      failed = err instanceof Error ? err : new Error(String(err));
    }
    if (failed) {
      const cancelled = signal.aborted && (failed === signal.reason || failed.name === 'AbortError');
      log.write(`${cancelled ? 'CANCELLED' : 'FAILED'}: ${failed.stack ?? failed.message}`);
      await log.close();
      await rm(tmp, { recursive: true, force: true });
      const failedLog = logPath(this.root, stage.name, key).replace(/\.log$/, '.failed.log');
      await rename(`${tmp}.log`, failedLog).catch(() => undefined);
      result.outcome = cancelled ? 'skipped' : 'failed';
      result.seconds = (Date.now() - t0) / 1000;
      if (cancelled) {
        reporter.stageEnd(inst.id, 'cancelled');
        return { ok: false };
      }
      reporter.stageEnd(inst.id, `FAILED after ${formatDuration(result.seconds)}: ${failed.message} (log: ${relative(process.cwd(), failedLog)})`);
      const e = new StageFailedError(`${inst.id}: ${failed.message}`);
      e.stack = failed.stack;
      throw e;
    }

    const outStats = new Map<string, BigIntStats>();
    const outs = await hashOutputs(tmp, knownHashes, outStats);
    const duration = (Date.now() - t0) / 1000;
    const entry: LockEntry = {
      ...ev.parts!,
      key,
      outs,
      out_hash: outHash(outs),
      duration_s: Math.round(duration * 100) / 100,
      produced_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    const marker: Marker = { schema: 1, instance: inst.id, entry, ...(mod.publish ? { publish: { ...mod.publish } } : {}) };
    log.write(`done in ${duration.toFixed(2)} s: ${outs.length} files, ${outs.reduce((s, o) => s + o.size, 0)} bytes`);
    await log.close();
    const dir = await commitArtifact(this.root, tmp, marker);
    // The stats taken when the outputs were listed for hashing (renaming the directory
    // changes none of them), so a change at any time after that is re-read downstream.
    const sealed = new Map<string, KnownHash>();
    for (const o of outs) {
      const st = outStats.get(o.path);
      if (st) sealed.set(o.path, { sha256: o.sha256, st });
    }
    this.sealed.set(dir, sealed);
    await rename(`${tmp}.log`, logPath(this.root, stage.name, key));
    result.outcome = 'ran';
    result.seconds = duration;
    result.dir = dir;
    reporter.stageEnd(inst.id, `done in ${formatDuration(duration)} → ${relative(this.root, dir).split('\\').join('/').replace(key, key.slice(0, 12))}`);
    await this.record(inst, entry);
    await this.publish(marker);
    return { ok: true, artifact: { stage: stage.name, matrix: inst.matrix, key, dir }, outHash: entry.out_hash };
  }

  private verifyInput(inst: Instance, a: Artifact): Promise<void> {
    let p = this.verified.get(a.dir);
    if (!p) {
      p = (async () => {
        const marker = await readMarker(a.dir);
        const problems = marker ? await verifyArtifact(a.dir, marker, this.sealed.get(a.dir)) : ['its completeness marker is missing'];
        if (problems.length) {
          const id = marker?.instance ?? a.stage;
          throw new TamperedArtifactError(
            `input artifact ${id} (${relative(this.root, a.dir)}) of ${inst.id} is corrupted or was modified after it was produced: ${problems.join('; ')}. ` +
              `Rebuild it with \`npx ser run ${a.stage} --force\`.`,
          );
        }
      })();
      this.verified.set(a.dir, p);
    }
    return p;
  }

  /** Record an instance in pipeline.lock (serialized writes, each atomic). */
  private record(inst: Instance, entry: LockEntry): Promise<unknown> {
    const old = this.planner.lock.stages[inst.id];
    // Unchanged (a fresh instance): nothing to write, and no YAML to load.
    if (old && canonicalJson(normalizeEntry(old)) === canonicalJson(normalizeEntry(entry))) return this.lockWrites;
    if (this.opts.writeLock === false) {
      this.planner.lock.stages[inst.id] = entry;
      return Promise.resolve();
    }
    this.lockWrites = this.lockWrites.then(() => {
      this.planner.lock.stages[inst.id] = entry;
      return writeLock(this.root, this.planner.lock, this.order);
    });
    return this.lockWrites;
  }

  /** Drop lock entries of stages no longer in pipeline.yaml and of matrix values no longer listed. */
  private async pruneLock(): Promise<void> {
    const lock = this.planner.lock;
    const ran = new Set(this.stages.map((s) => s.name));
    let changed = false;
    for (const [id, e] of Object.entries(lock.stages)) {
      const spec = this.planner.pipeline.byName.get(e.stage);
      const gone = !spec || (ran.has(e.stage) && !this.order.includes(id));
      if (gone) {
        delete lock.stages[id];
        changed = true;
      }
    }
    if (changed) await writeLock(this.root, lock, this.order);
  }

  /** Refresh the stable copies a stage asks for (StageModule.publish). */
  private async publish(marker: Marker): Promise<void> {
    if (this.opts.publish === false) return;
    for (const [from, to] of Object.entries(marker.publish ?? {})) {
      const out = marker.entry.outs.find((o) => o.path === from);
      if (!out) {
        this.opts.reporter.warn(`${marker.instance}: publish: '${from}' is not one of its outputs`);
        continue;
      }
      const dest = resolve(this.root, to);
      const current = existsSync(dest) ? sha256(await readFile(dest)) : undefined;
      if (current === out.sha256) continue;
      await publishCopy(join(artifactDir(this.root, marker.entry.stage, marker.entry.key), from), dest);
      this.opts.reporter.info(`${marker.instance}: published ${to}`);
    }
  }
}

export { pipelineStatus } from './status.ts';
export { formatEvaluation };
