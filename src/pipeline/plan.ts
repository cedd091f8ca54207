// Deciding what is fresh and why. For each stage instance the planner computes the
// parts of its cache key (params, code, packages, raw data, upstream output hashes),
// the key, and compares with pipeline.lock to name the reasons:
//   train[fold=2]: stale — param train.lr 0.001 → 0.0005
//   featurize: stale — stage code changed (src/features/mel.ts)
//   resample: stale — input artifact changed (ingest)
//   report: stale — output missing
// Upstream inputs enter the key as the upstream artifact's OUTPUT hash, so an upstream
// rerun that produces identical files does not make its downstream stale.
import { existsSync } from 'node:fs';
import type { Params } from './types.ts';
import type { Instance, Pipeline, StageSpec } from './config.ts';
import { expandInstances } from './config.ts';
import type { DataHash, KeyParts, LockEntry, LockFile } from './lock.ts';
import { computeKey } from './lock.ts';
import type { StateCache } from './hash.ts';
import { hashPath } from './hash.ts';
import { codeFingerprint, type CodeFingerprint } from './codegraph.ts';
import { declaredValues, diffParams, setParam } from './params.ts';
import { artifactDir, readMarker, type Marker } from './store.ts';

export type InstanceState =
  /** Lock entry matches the current key and the artifact is in the store. */
  | 'fresh'
  /** Key differs from the lock, but an artifact with the current key is in the store: reused without running. */
  | 'cached'
  /** Must run. */
  | 'stale'
  /** Must wait for a stale upstream; runs unless the upstream's outputs come out unchanged. */
  | 'blocked';

export interface Evaluation {
  inst: Instance;
  state: InstanceState;
  reasons: string[];
  /** Known when every input is known. */
  parts?: KeyParts;
  key?: string;
  lock?: LockEntry;
  /** The artifact at `key`, when it exists. */
  marker?: Marker;
}

export interface StaticParts {
  params: KeyParts['params'];
  code: CodeFingerprint;
  data: Record<string, DataHash>;
  /** Data paths that do not exist. */
  missingData: string[];
}

export class Planner {
  private staticMemo = new Map<string, Promise<StaticParts>>();
  private codeMemo = new Map<string, Promise<CodeFingerprint>>();
  private dataMemo = new Map<string, Promise<DataHash>>();

  constructor(
    readonly pipeline: Pipeline,
    readonly state: StateCache,
    readonly lock: LockFile,
  ) {}

  get root(): string {
    return this.pipeline.root;
  }

  instances(stage: StageSpec): Instance[] {
    return expandInstances(stage);
  }

  /** Forget memoized data hashes (after a stage's prepare() fetched its data). */
  invalidate(stage: StageSpec): void {
    this.staticMemo.delete(stage.name);
    for (const d of stage.data) this.dataMemo.delete(d.abs);
  }

  code(stage: StageSpec): Promise<CodeFingerprint> {
    let p = this.codeMemo.get(stage.name);
    if (!p) {
      p = codeFingerprint(this.root, stage.file, this.state);
      this.codeMemo.set(stage.name, p);
    }
    return p;
  }

  private dataHash(abs: string): Promise<DataHash> {
    let p = this.dataMemo.get(abs);
    if (!p) {
      p = hashPath(abs, this.state).then((h) => ({ hash: h.hash, files: h.files, bytes: h.bytes }));
      this.dataMemo.set(abs, p);
    }
    return p;
  }

  /** Params, code and data parts of a stage's key (shared by its matrix instances). */
  staticParts(stage: StageSpec): Promise<StaticParts> {
    let p = this.staticMemo.get(stage.name);
    if (!p) {
      p = (async () => {
        const params = declaredValues(this.pipeline.params, stage.params);
        const code = await this.code(stage);
        const data: Record<string, DataHash> = {};
        const missingData: string[] = [];
        for (const d of stage.data) {
          if (!existsSync(d.abs)) missingData.push(d.path);
          else data[d.path] = await this.dataHash(d.abs);
        }
        return { params, code, data, missingData };
      })();
      this.staticMemo.set(stage.name, p);
    }
    return p;
  }

  /**
   * Evaluate one instance given its upstream inputs: instance id -> out_hash for
   * every upstream instance, or the ids of upstream instances that are not settled.
   */
  async evaluate(inst: Instance, inputs: Record<string, string>, unsettled: string[] = []): Promise<Evaluation> {
    const st = await this.staticParts(inst.stage);
    const lock = this.lock.stages[inst.id];
    const reasons: string[] = [];
    if (!lock && (st.missingData.length || unsettled.length)) reasons.push('never run');
    if (st.missingData.length) reasons.push(`data missing (${st.missingData.join(', ')})`);
    if (unsettled.length) reasons.push(`upstream stale (${summarizeIds(unsettled)})`);
    if (st.missingData.length || unsettled.length) {
      if (lock) reasons.push(...staticReasons(lock, st));
      return { inst, state: st.missingData.length ? 'stale' : 'blocked', reasons: dedupe(reasons), lock };
    }
    const parts: KeyParts = {
      stage: inst.stage.name,
      matrix: inst.matrix,
      params: st.params,
      code: st.code.files,
      packages: st.code.packages,
      data: st.data,
      inputs,
    };
    const key = computeKey(parts);
    const marker = await readMarker(artifactDir(this.root, inst.stage.name, key));
    if (lock && lock.key === key && marker) return { inst, state: 'fresh', reasons: [], parts, key, lock, marker };
    if (!lock) reasons.push('never run');
    else if (lock.key === key) reasons.push('output missing');
    else {
      reasons.push(...staticReasons(lock, st));
      const changed = Object.keys({ ...lock.inputs, ...inputs }).filter((id) => lock.inputs?.[id] !== inputs[id]);
      if (changed.length) reasons.push(`input artifact changed (${summarizeIds(changed)})`);
      if (!reasons.length) reasons.push('cache key changed');
    }
    return { inst, state: marker ? 'cached' : 'stale', reasons, parts, key, lock, marker };
  }

  /**
   * Evaluate every instance of `stages` (topologically ordered) for `ser status` /
   * `--dry`: nothing runs, so an instance downstream of a stale one is 'blocked'.
   */
  async evaluateAll(stages: StageSpec[]): Promise<Evaluation[]> {
    const out: Evaluation[] = [];
    const byId = new Map<string, Evaluation>();
    for (const stage of stages) {
      const ups = stage.deps.flatMap((d) => this.instances(this.pipeline.byName.get(d)!));
      const instances = this.instances(stage);
      const evals = await Promise.all(
        instances.map((inst) => {
          const inputs: Record<string, string> = {};
          const unsettled: string[] = [];
          for (const u of ups) {
            const ev = byId.get(u.id);
            const oh = ev && (ev.state === 'fresh' || ev.state === 'cached') ? ev.marker?.entry.out_hash : undefined;
            if (oh) inputs[u.id] = oh;
            else unsettled.push(u.id);
          }
          return this.evaluate(inst, inputs, unsettled);
        }),
      );
      for (const ev of evals) {
        byId.set(ev.inst.id, ev);
        out.push(ev);
      }
    }
    return out;
  }
}

/** Reasons from params, code, packages and data (everything but upstream inputs). */
function staticReasons(lock: LockEntry, st: StaticParts): string[] {
  const reasons: string[] = [];
  for (const d of diffParams(paramTree(lock.params ?? {}), paramTree(st.params))) {
    reasons.push(`param ${d.path} ${formatValue(d.before)} → ${formatValue(d.after)}`);
  }
  const code = st.code.files;
  const changedFiles = Object.keys({ ...lock.code, ...code }).filter((f) => lock.code?.[f] !== code[f]).sort();
  if (changedFiles.length) reasons.push(`stage code changed (${summarize(changedFiles)})`);
  const pk = st.code.packages;
  const changedPk = Object.keys({ ...lock.packages, ...pk }).filter((p) => lock.packages?.[p] !== pk[p]).sort();
  if (changedPk.length) reasons.push(`package versions changed (${summarize(changedPk.map((p) => `${p} ${lock.packages?.[p] ?? 'none'} → ${pk[p] ?? 'none'}`))})`);
  const changedData = Object.keys({ ...lock.data, ...st.data }).filter((p) => lock.data?.[p]?.hash !== st.data[p]?.hash && !st.missingData.includes(p)).sort();
  if (changedData.length) reasons.push(`data changed (${summarize(changedData)})`);
  return reasons;
}

function paramTree(flat: Record<string, unknown>): Params {
  const tree: Params = {};
  for (const [path, v] of Object.entries(flat)) setParam(tree, path, structuredClone(v) as never);
  return tree;
}

export function formatValue(v: unknown): string {
  if (v === undefined) return '(unset)';
  if (typeof v === 'string') return /^[\w./:-]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v);
}

function summarize(items: string[], max = 3): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** `train[fold=0]`, `train[fold=1]` … -> `train` when all instances of a stage are listed. */
function summarizeIds(ids: string[]): string {
  const byStage = new Map<string, string[]>();
  for (const id of ids) {
    const s = id.replace(/\[.*$/, '');
    byStage.set(s, [...(byStage.get(s) ?? []), id]);
  }
  const parts = [...byStage.entries()].map(([s, list]) => (list.length > 1 ? s : list[0]));
  return summarize(parts, 4);
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** One status line: `train[fold=2]: stale — param train.lr 0.001 → 0.0005`. */
export function formatEvaluation(ev: Evaluation): string {
  switch (ev.state) {
    case 'fresh':
      return `${ev.inst.id}: fresh`;
    case 'cached':
      return `${ev.inst.id}: stale — ${ev.reasons.join('; ')} (cached artifact ${ev.key!.slice(0, 12)} will be reused, no rerun)`;
    default:
      return `${ev.inst.id}: stale — ${ev.reasons.join('; ')}`;
  }
}
