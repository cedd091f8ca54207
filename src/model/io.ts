// Save and load a tfjs LayersModel as a directory — model.json + weights.bin, the same
// format tfjs-node's `file://` handler writes and tf.loadLayersModel reads — in plain
// Node, without tfjs-node (a custom IOHandler on node:fs).
//
// The files are byte-for-byte deterministic for the same weights (fixed key order, no
// timestamps) and written atomically (temp file + rename), so a cached artifact never
// holds a half-written model.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

function joinWeightData(data: tf.io.WeightData | undefined): ArrayBuffer {
  if (data == null) return new ArrayBuffer(0);
  return Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
}

/** An IOHandler reading/writing `dir`/model.json and `dir`/weights.bin. */
export function directoryHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error(`saveModel(${dir}): binary (graph) model topologies are not supported`);
      }
      fs.mkdirSync(dir, { recursive: true });
      const weights = new Uint8Array(joinWeightData(artifacts.weightData));
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      writeAtomic(path.join(dir, WEIGHTS_BIN), weights);
      writeAtomic(path.join(dir, MODEL_JSON), `${JSON.stringify(modelJson)}\n`);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(0), // not recorded: the files carry no timestamp
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(modelJson.modelTopology).length,
          weightSpecsBytes: JSON.stringify(modelJson.weightsManifest[0]!.weights).length,
          weightDataBytes: weights.byteLength,
        },
      };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = path.join(dir, MODEL_JSON);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (err) {
        throw new Error(`loadModel: cannot read ${jsonPath}: ${(err as Error).message}`);
      }
      if (modelJson.modelTopology == null) throw new Error(`loadModel: ${jsonPath} has no modelTopology`);
      if (!Array.isArray(modelJson.weightsManifest)) throw new Error(`loadModel: ${jsonPath} has no weightsManifest`);
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: ArrayBuffer[] = [];
      for (const group of modelJson.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const file = path.resolve(dir, p);
          if (!fs.existsSync(file)) throw new Error(`loadModel: weight file ${file} named in ${jsonPath} is missing`);
          const b = fs.readFileSync(file);
          buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
        }
      }
      const weightData = tf.io.concatenateArrayBuffers(buffers);
      const expected = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * bytesPerElement(w.dtype, jsonPath), 0);
      if (weightData.byteLength !== expected) {
        throw new Error(`loadModel: ${dir} has ${weightData.byteLength} bytes of weights but ${MODEL_JSON} describes ${expected}`);
      }
      return {
        modelTopology: modelJson.modelTopology,
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy,
        trainingConfig: modelJson.trainingConfig,
        userDefinedMetadata: modelJson.userDefinedMetadata,
        weightSpecs: specs,
        weightData,
      };
    },
  };
}

function bytesPerElement(dtype: string, file: string): number {
  if (dtype === 'float32' || dtype === 'int32') return 4;
  if (dtype === 'bool') return 1;
  throw new Error(`loadModel: ${file}: weights of dtype ${dtype} (quantized or string) are not supported`);
}

/** Save `model` into `dir` (created if needed) as model.json + weights.bin. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(directoryHandler(dir));
}

/** Load a LayersModel saved by saveModel (or by tfjs-node's file:// handler). */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(directoryHandler(dir));
}
