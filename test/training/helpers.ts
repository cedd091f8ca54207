// Synthetic upstream artifacts for the train stage: a small learnable features.parquet
// (16 mel bands × 24 frames; each emotion lights up its own pair of bands, plus noise
// and a per-actor level offset) and a two-fold speaker-independent split.parquet.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { featureShape } from '../../src/features/logmel.ts';
import { parseFeatureParams, type FeatureParams } from '../../src/features/params.ts';
import { writeFeaturesFile } from '../../src/features/store.ts';
import { writeSplitFile } from '../../src/split/store.ts';
import type { Assignment } from '../../src/split/protocols.ts';
import { createRng } from '../../src/util/rng.ts';

export const SMALL_FEATURES: FeatureParams = parseFeatureParams({ n_fft: 512, win_length: 512, hop_length: 256, n_mels: 16, duration_s: 0.375 });
export const SMALL_SHAPE = featureShape(SMALL_FEATURES, 16000);

export interface SmallRun {
  features: string;
  split: string;
  ids: string[];
  /** Raw (dB) log-Mel of each clip. */
  logmel: Map<string, Float32Array>;
  /** Clip ids per fold and role. */
  roles: Map<string, string[]>;
}

const two = (n: number) => String(n).padStart(2, '0');

/**
 * 12 actors × 8 emotions × 2 statements. Fold 0: train actors 1–8, val 9–10, test 11–12;
 * fold 1: train 5–12, val 1–2, test 3–4.
 */
export async function writeSmallRun(dir: string): Promise<SmallRun> {
  await mkdir(dir, { recursive: true });
  const { nMels, nFrames } = SMALL_SHAPE;
  const size = nMels * nFrames;
  const rng = createRng(3, 'small-run');
  const ids: string[] = [];
  const logmel = new Map<string, Float32Array>();
  for (let actor = 1; actor <= 12; actor++) {
    const level = -60 + 3 * actor; // speakers differ in loudness
    for (let e = 1; e <= 8; e++) {
      for (let stmt = 1; stmt <= 2; stmt++) {
        const id = `03-01-${two(e)}-${e === 1 ? '01' : '02'}-${two(stmt)}-01-${two(actor)}`;
        const x = new Float32Array(size);
        for (let m = 0; m < nMels; m++) {
          const lit = m === 2 * (e - 1) || m === 2 * (e - 1) + 1;
          for (let t = 0; t < nFrames; t++) x[m * nFrames + t] = level + (lit ? 12 : 0) + 6 * (rng.float() - 0.5) - m * 0.5;
        }
        ids.push(id);
        logmel.set(id, x);
      }
    }
  }
  ids.sort();
  const flat = new Float32Array(ids.length * size);
  ids.forEach((id, i) => flat.set(logmel.get(id)!, i * size));
  const features = join(dir, 'features.parquet');
  await writeFeaturesFile(features, { ids, nMels, nFrames, logmel: flat }, SMALL_FEATURES, 16000);
  const actorOf = (id: string) => Number(id.slice(-2));
  const roleOf = (fold: number, actor: number): Assignment['role'] => {
    const [val, test] = fold === 0 ? [[9, 10], [11, 12]] : [[1, 2], [3, 4]];
    return val.includes(actor) ? 'val' : test.includes(actor) ? 'test' : 'train';
  };
  const rows: Assignment[] = [];
  const roles = new Map<string, string[]>();
  for (const fold of [0, 1]) {
    for (const id of ids) {
      const role = roleOf(fold, actorOf(id));
      rows.push({ id, fold, role });
      const key = `${fold}/${role}`;
      roles.set(key, [...(roles.get(key) ?? []), id]);
    }
  }
  const split = join(dir, 'split.parquet');
  await writeSplitFile(split, { protocol: 'actors', speakerIndependent: true, folds: [0, 1], rows, unassigned: new Map() }, 0);
  return { features, split, ids, logmel, roles };
}
