// Runs the same kernel on the cpu backend (reference) and on wasm with our kernels, and
// compares. Inputs come from a seeded generator so failures reproduce.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend.ts';

let ready: Promise<void> | null = null;
/** cpu and wasm (with our kernels) both initialised; wasm active afterwards. */
export function backendsReady(): Promise<void> {
  ready ??= (async () => {
    const quiet = { log: () => {} };
    await initBackend('cpu', quiet);
    await initBackend('wasm', quiet);
  })();
  return ready;
}

/** Deterministic uniform(-1, 1) floats (mulberry32). */
export function randomArray(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296 * 2 - 1;
  }
  return out;
}

export interface TensorSpec { shape: number[]; data: Float32Array }

export function spec(shape: number[], seed: number): TensorSpec {
  return { shape, data: randomArray(shape.reduce((a, b) => a * b, 1), seed) };
}

/**
 * Run `fn` on `backend` with fresh tensors made from `inputs`; returns the outputs' data.
 * Switches the active backend for the duration.
 */
export async function runOn(
  backend: 'cpu' | 'wasm',
  inputs: TensorSpec[],
  fn: (...ts: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<{ shape: number[]; data: Float32Array }[]> {
  await backendsReady();
  const previous = tf.getBackend();
  tf.setBackend(backend);
  try {
    const ts = inputs.map((s) => tf.tensor(s.data, s.shape));
    const out = tf.tidy(() => fn(...ts));
    const outs = Array.isArray(out) ? out : [out];
    const result = outs.map((t) => ({ shape: t.shape.slice(), data: t.dataSync() as Float32Array }));
    tf.dispose([...ts, ...outs]);
    return result;
  } finally {
    tf.setBackend(previous);
  }
}

/** max|a−b| / max|b| (b = reference); 0 when both are all zero. */
export function relError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= diff)) diff = d; // NaN propagates as a failure
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  if (scale === 0) return diff;
  return diff / scale;
}

/** Compare `fn` on wasm vs cpu; returns the worst relative error over the outputs. */
export async function compareBackends(
  inputs: TensorSpec[], fn: (...ts: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<number> {
  const ref = await runOn('cpu', inputs, fn);
  const got = await runOn('wasm', inputs, fn);
  let worst = 0;
  ref.forEach((r, i) => {
    const g = got[i]!;
    if (g.shape.join() !== r.shape.join()) {
      throw new Error(`output ${i}: shape ${g.shape} vs cpu ${r.shape}`);
    }
    worst = Math.max(worst, relError(g.data, r.data));
  });
  return worst;
}
