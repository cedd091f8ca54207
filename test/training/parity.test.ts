// Architecture parity with the PyTorch reference: its trained P1 weights
// (test/fixtures/p1_model, copied from ../shared/reference/p1_model) loaded into our
// default network reproduce its logits for the 4 reference clips within 1e-3 from the
// reference's own log-Mels, and give the same predicted class from the original WAV
// files through our whole chain: decode → resample → log-Mel → normalize → model.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { decodeAudioFile } from '../../src/audio/decode.ts';
import { resample } from '../../src/audio/resample.ts';
import { DEFAULT_FEATURE_PARAMS } from '../../src/features/params.ts';
import { logMel } from '../../src/features/logmel.ts';
import { initBackend } from '../../src/model/backend.ts';
import { buildModel } from '../../src/model/network.ts';
import { loadTorchWeights, type TorchTensorEntry } from '../../src/model/torch-weights.ts';
import { normalizeInto } from '../../src/predict/fold-model.ts';
import { LABELS } from '../../src/training/data.ts';
import { DEFAULT_TRAIN_PARAMS, networkConfig } from '../../src/training/params.ts';

const FIX = path.resolve(__dirname, '../fixtures');
const P1 = path.join(FIX, 'p1_model');

interface RefClip { logits: number[]; pred: number; pred_label: string }
const manifest = JSON.parse(fs.readFileSync(path.join(P1, 'p1_model.json'), 'utf8')) as {
  manifest: TorchTensorEntry[]; norm_eps: number; ref_logits: Record<string, RefClip>;
};

function f32(file: string): Float32Array {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** A clip's file in the fixtures: ours (p1_model/) or the features helper's (refvectors/). */
function fixture(kind: 'logmel' | 'wav', clip: string): string {
  const [actor, name] = clip.replace(/\.wav$/, '').split('/') as [string, string];
  const candidates = kind === 'logmel'
    ? [path.join(P1, 'logmel', `${actor}__${name}.logmel.f32`), path.join(FIX, 'refvectors', `${actor}__${name}.logmel.f32`)]
    : [path.join(P1, 'wav', actor, `${name}.wav`), path.join(FIX, 'refvectors', 'wav', actor, `${name}.wav`)];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`fixture for ${clip} (${kind}) missing: ${candidates.join(' or ')}`);
  return found;
}

const norm = { mean: Array.from(f32(path.join(P1, 'p1_norm_mean.f32'))), std: Array.from(f32(path.join(P1, 'p1_norm_std.f32'))), eps: 1e-8 };
const clips = Object.keys(manifest.ref_logits);
let model: tf.LayersModel;

function logitsOf(logmels: Float32Array[]): Float32Array {
  const size = 64 * 188;
  const x = new Float32Array(logmels.length * size);
  logmels.forEach((l, i) => normalizeInto(l, norm, 64, 188, x, i * size));
  return tf.tidy(() => (model.predict(tf.tensor4d(x, [logmels.length, 64, 188, 1])) as tf.Tensor).dataSync() as Float32Array);
}

beforeAll(async () => {
  await initBackend('wasm', { log: () => {} });
  // The stage's default network: exactly what `train` builds with default params.
  model = buildModel(networkConfig(DEFAULT_TRAIN_PARAMS, [64, 188], LABELS.length), 0);
  loadTorchWeights(model, { manifest: manifest.manifest, data: f32(path.join(P1, 'p1_weights.f32')) });
});

describe('reference parity (P1 weights in our default model)', () => {
  it('has the reference architecture: 819,208 parameters, 4 clips to check', () => {
    expect(manifest.norm_eps).toBe(1e-8);
    expect(model.countParams()).toBe(819208);
    expect(clips).toHaveLength(4);
  });

  it('reproduces the reference logits within 1e-3 from the reference log-Mels', () => {
    const logits = logitsOf(clips.map((c) => f32(fixture('logmel', c))));
    clips.forEach((c, i) => {
      const ours = Array.from(logits.subarray(i * 8, (i + 1) * 8));
      const ref = manifest.ref_logits[c]!.logits;
      for (let k = 0; k < 8; k++) expect(Math.abs(ours[k]! - ref[k]!), `${c} logit ${k}: ${ours[k]} vs ${ref[k]}`).toBeLessThan(1e-3);
    });
  });

  it('predicts the reference class from the original WAV files through decode → resample → log-Mel → normalize → model', async () => {
    const mels: Float32Array[] = [];
    for (const c of clips) {
      const audio = await decodeAudioFile(fixture('wav', c));
      expect(audio.sampleRate).toBe(48000);
      const x16 = resample(audio.mono, audio.sampleRate, 16000);
      mels.push(logMel(x16, DEFAULT_FEATURE_PARAMS, 16000));
    }
    const logits = logitsOf(mels);
    clips.forEach((c, i) => {
      const row = Array.from(logits.subarray(i * 8, (i + 1) * 8));
      const pred = row.indexOf(Math.max(...row));
      expect(LABELS[pred], c).toBe(manifest.ref_logits[c]!.pred_label);
      expect(pred).toBe(manifest.ref_logits[c]!.pred);
    });
  });
});
