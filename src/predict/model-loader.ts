// Load a tfjs LayersModel directory (model.json + the weight files its weightsManifest
// names) in Node without tfjs-node, for evaluate and `ser predict`.
// TODO(io.ts): src/model/io.ts (trainer) is the contract's loader; once it lands this
// module re-exports it so saving and loading share one implementation.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

export async function loadModelDir(dir: string): Promise<tf.LayersModel> {
  const jsonPath = join(dir, 'model.json');
  let json: { modelTopology?: object; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]; format?: string; generatedBy?: string; convertedBy?: string | null };
  try {
    json = JSON.parse(await readFile(jsonPath, 'utf8'));
  } catch (err) {
    throw new Error(`${jsonPath}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (err as Error).message} — not a saved tfjs model`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) throw new Error(`${jsonPath}: no modelTopology/weightsManifest — not a tfjs LayersModel`);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      try {
        buffers.push(await readFile(join(dir, p)));
      } catch (err) {
        throw new Error(`${join(dir, p)}: weight file named by model.json is unreadable (${(err as Error).message})`);
      }
    }
  }
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let o = 0;
  for (const b of buffers) {
    weightData.set(b, o);
    o += b.byteLength;
  }
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: weightData.buffer, format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy ?? undefined }),
  );
}
