// `ser predict`: emotion probabilities for audio files from the trained fold models.
// The chain is the pipeline's own: decodeAudioFile (any rate, mono/stereo, WAV/FLAC) →
// resample to the models' rate → log-Mel windows (./windows.ts) → each model's
// normalization and network → mean over windows → mean over the fold models (the
// ensemble), or one fold's model with --fold.
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { decodeAudioFile } from '../audio/decode.ts';
import { resample } from '../audio/resample.ts';
import { readLock } from '../pipeline/lock.ts';
import { canonicalJson } from '../pipeline/params.ts';
import { artifactDir, readMarker } from '../pipeline/store.ts';
import { argmax } from '../metrics/classification.ts';
import { averageProbabilities, loadFoldModel, predictProbabilities, type FoldModel, type ModelLoader } from './fold-model.ts';
import { clipFeatures } from './windows.ts';

export const AUDIO_EXTENSIONS = ['.wav', '.wave', '.flac'];

/** A user-facing failure with no stack trace worth showing. */
export class PredictError extends Error {}

export interface TrainArtifactRef {
  fold: number;
  key: string;
  dir: string;
}

/** The train artifacts pipeline.lock names (the latest `ser run`), by fold. */
export async function locateTrainArtifacts(root: string): Promise<TrainArtifactRef[]> {
  const lock = await readLock(root);
  const entries = Object.values(lock.stages).filter((e) => e.stage === 'train');
  if (entries.length === 0) {
    throw new PredictError('no trained model yet: pipeline.lock names no train artifacts. Run `make pipeline` first (or `npx ser run train`).');
  }
  const refs: TrainArtifactRef[] = [];
  for (const e of entries) {
    const fold = Number(e.matrix.fold ?? 0);
    const dir = artifactDir(root, 'train', e.key);
    if (!existsSync(dir) || !(await readMarker(dir))) {
      throw new PredictError(`pipeline.lock names train[fold=${fold}] (key ${e.key.slice(0, 12)}) but ${dir} is missing or incomplete. Run \`make pipeline\` to rebuild it.`);
    }
    refs.push({ fold, key: e.key, dir });
  }
  return refs.sort((a, b) => a.fold - b.fold);
}

/**
 * The train artifacts a recorded experiment (`ser exp run <name>`) used, by fold: predict
 * with a variant's models without making it the workspace's latest run.
 */
export async function locateExperimentTrainArtifacts(root: string, name: string): Promise<TrainArtifactRef[]> {
  const { loadExperiment, ExperimentError, TRAIN_STAGE } = await import('../experiments/record.ts');
  let record;
  try {
    record = await loadExperiment(root, name);
  } catch (err) {
    if (err instanceof ExperimentError) throw new PredictError(err.message);
    throw err;
  }
  const runs = record.stages.filter((s) => s.stage === TRAIN_STAGE);
  if (runs.length === 0) throw new PredictError(`experiment '${name}' trained no model (it ran only up to ${record.targets.join(', ') || 'an earlier stage'})`);
  const refs: TrainArtifactRef[] = [];
  for (const r of runs) {
    const fold = Number(r.matrix.fold ?? 0);
    const dir = artifactDir(root, 'train', r.key);
    if (!existsSync(dir) || !(await readMarker(dir))) {
      throw new PredictError(`experiment '${name}' names ${r.id} (key ${r.key.slice(0, 12)}) but ${dir} is missing or incomplete (removed by \`ser gc\`?). Rerun it with \`npx ser exp run ${name} --force …\`.`);
    }
    refs.push({ fold, key: r.key, dir });
  }
  return refs.sort((a, b) => a.fold - b.fold);
}

export interface Ensemble {
  models: FoldModel[];
  labels: string[];
  sampleRate: number;
}

export async function loadEnsemble(refs: readonly TrainArtifactRef[], loadModel: ModelLoader, fold?: number): Promise<Ensemble> {
  const chosen = fold === undefined ? refs : refs.filter((r) => r.fold === fold);
  if (chosen.length === 0) throw new PredictError(`no model for fold ${fold}; trained folds: ${refs.map((r) => r.fold).join(', ')}`);
  const models: FoldModel[] = [];
  for (const r of chosen) models.push(await loadFoldModel(r.dir, loadModel));
  const first = models[0];
  for (const m of models.slice(1)) {
    // Averaging is only meaningful over models that read the same input and emit the same classes.
    if (canonicalJson(m.labels) !== canonicalJson(first.labels)) throw new PredictError(`fold ${m.fold} has labels ${m.labels.join(',')}, fold ${first.fold} has ${first.labels.join(',')}`);
    if (canonicalJson(m.features) !== canonicalJson(first.features) || m.sampleRate !== first.sampleRate) {
      throw new PredictError(`fold ${m.fold} was trained on other features than fold ${first.fold}; rerun \`make pipeline\` or pick one with --fold`);
    }
  }
  return { models, labels: first.labels, sampleRate: first.sampleRate };
}

export function disposeEnsemble(e: Ensemble): void {
  for (const m of e.models) m.model.dispose();
}

/** A file to predict (`display` keeps the form the user typed, e.g. ../data/x.wav) or an argument that failed. */
export type InputEntry = { file: string; display: string } | { path: string; error: string };

/** Expand folders (recursively, sorted) into their audio files, keeping argument order; files are kept as given. */
export async function collectInputs(args: readonly string[], cwd: string): Promise<InputEntry[]> {
  const out: InputEntry[] = [];
  const walk = async (dir: string): Promise<string[]> => {
    const found: string[] = [];
    for (const ent of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = join(dir, ent.name);
      if (ent.isDirectory()) found.push(...(await walk(p)));
      else if (AUDIO_EXTENSIONS.some((x) => ent.name.toLowerCase().endsWith(x))) found.push(p);
    }
    return found;
  };
  for (const a of args) {
    const p = resolve(cwd, a);
    let isDir: boolean;
    try {
      isDir = (await stat(p)).isDirectory();
    } catch {
      out.push({ path: a, error: 'no such file or folder' });
      continue;
    }
    if (!isDir) {
      out.push({ file: p, display: a });
      continue;
    }
    const found = await walk(p);
    if (found.length === 0) out.push({ path: a, error: `no ${AUDIO_EXTENSIONS.join('/')} files in this folder` });
    for (const f of found) out.push({ file: f, display: join(a, relative(p, f)) });
  }
  return out;
}

export interface Prediction {
  file: string;
  emotion: string;
  confidence: number;
  probabilities: Record<string, number>;
  /** Windows the clip was scored in (1 when it fits the model's window). */
  windows: number;
  duration_s: number;
  sample_rate: number;
  channels: number;
}

export async function predictFile(file: string, ens: Ensemble): Promise<Prediction> {
  const audio = await decodeAudioFile(file);
  const mono = resample(audio.mono, audio.sampleRate, ens.sampleRate);
  const { windows } = clipFeatures(mono, ens.models[0].features, ens.sampleRate);
  const perModel = ens.models.map((m) => averageProbabilities(predictProbabilities(m, windows)));
  const p = averageProbabilities(perModel);
  const top = argmax(p);
  return {
    file,
    emotion: ens.labels[top],
    confidence: p[top],
    probabilities: Object.fromEntries(ens.labels.map((l, i) => [l, p[i]])),
    windows: windows.length,
    duration_s: audio.frames / audio.sampleRate,
    sample_rate: audio.sampleRate,
    channels: audio.channels,
  };
}

/** A fixed-width table: file, top emotion, confidence, windows, then every class in %. */
export function formatTable(preds: readonly Prediction[], labels: readonly string[]): string {
  const pct = (x: number) => (x * 100).toFixed(1);
  const head = ['file', 'emotion', 'conf %', 'win', ...labels];
  const rows = preds.map((p) => [p.file, p.emotion, pct(p.confidence), String(p.windows), ...labels.map((l) => pct(p.probabilities[l]))]);
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((c, j) => (j < 2 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}
