// A data-parallel training worker: its own tfjs + backend (+ our wasm kernels) and a
// replica of the model. The trainer sends small commands by message; the data, the
// weights, the gradient slots and the BN statistics live in SharedArrayBuffers.
// Started through worker-entry.mjs (which registers tsx: workers do not inherit loaders).
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../backend.ts';
import { loadTransform, modelInputShape, Replica, type Dataset, type TransformSpec } from './replica.ts';
import { abortSharedExchange, SharedExchange, type SharedExchangeBuffers } from './sync.ts';

export interface WorkerInit {
  rank: number;
  backend: BackendName;
  modelTopology: object;
  seed: number;
  classWeights: number[] | null;
  /** Augmentation of training batches, rebuilt here from its module (null = none). */
  transform: TransformSpec | null;
  exchange: SharedExchangeBuffers;
  /** All weights, layout order (written by the trainer before each step). */
  weights: SharedArrayBuffer;
  /** This worker's gradient slot (layout order). */
  grad: SharedArrayBuffer;
  /** BN whole-batch statistics (rank 0 writes them). */
  bnStats: SharedArrayBuffer;
  train: { x: SharedArrayBuffer; y: SharedArrayBuffer };
  val: { x: SharedArrayBuffer; y: SharedArrayBuffer } | null;
  /** Validation logits, [nVal, classes] (each worker writes its range). */
  valLogits: SharedArrayBuffer | null;
}

export type WorkerCommand =
  | { cmd: 'step'; id: number; version: number; epoch: number; indices: Int32Array; lossScale: number }
  | { cmd: 'evaluate'; id: number; version: number; start: number; end: number; batchSize: number }
  | { cmd: 'close'; id: number };

export type WorkerReply =
  | { id: number; ok: true; lossSum: number; correct: number; count: number; ms: number }
  | { id: number; ok: false; error: string }
  | { ready: true; backend: string; threads: number };

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  const port = parentPort!;
  const info = await initBackend(init.backend, { log: () => {} });
  const model = await tf.models.modelFromJSON({ modelTopology: init.modelTopology } as tf.io.ModelJSON);
  const train: Dataset = { x: new Float32Array(init.train.x), y: new Int32Array(init.train.y) };
  const outShape = model.outputs[0]!.shape;
  const transform = init.transform && await loadTransform(init.transform, {
    seed: init.seed, train, inputShape: modelInputShape(model), numClasses: outShape[outShape.length - 1] as number,
  });
  const replica = new Replica(model, {
    seed: init.seed,
    exchange: new SharedExchange(init.exchange, init.rank),
    classWeights: init.classWeights,
    transform,
  });
  const weights = new Float32Array(init.weights);
  const grad = new Float32Array(init.grad);
  const bnStats = new Float64Array(init.bnStats);
  const val: Dataset | null = init.val && { x: new Float32Array(init.val.x), y: new Int32Array(init.val.y) };
  const valLogits = init.valLogits && new Float32Array(init.valLogits);
  let loadedVersion = -1;
  port.on('message', (msg: WorkerCommand) => {
    try {
      if (msg.cmd === 'close') {
        port.close();
        return;
      }
      // The shared weights changed since we last loaded them (the trainer bumps the
      // version after every update).
      const t0 = performance.now();
      if (msg.version !== loadedVersion) {
        replica.loadWeights(weights);
        loadedVersion = msg.version;
      }
      const r = msg.cmd === 'step'
        ? replica.gradients(train, msg.indices, msg.epoch, msg.lossScale, grad, init.rank === 0 ? bnStats : undefined)
        : replica.evaluate(val!, msg.start, msg.end, msg.batchSize,
          valLogits?.subarray(msg.start * replica.numClasses, msg.end * replica.numClasses));
      port.postMessage({ id: msg.id, ok: true, ...r, ms: performance.now() - t0 } satisfies WorkerReply);
    } catch (err) {
      abortSharedExchange(init.exchange);
      port.postMessage({ id: msg.id, ok: false, error: (err as Error).stack ?? String(err) } satisfies WorkerReply);
    }
  });
  port.postMessage({ ready: true, backend: info.name, threads: info.threads } satisfies WorkerReply);
}

main().catch((err) => {
  parentPort!.postMessage({ id: -1, ok: false, error: (err as Error).stack ?? String(err) } satisfies WorkerReply);
});
