// Where a batch's gradient is computed: in this thread (threads = 1) or data-parallel on
// worker threads. Either way the trainer sees one summed gradient per step in `grad`,
// the whole batch's BN statistics in `bnStats`, and owns the weights in `weights`.
//
// Data-parallel: every step the batch is cut into `threads` contiguous shards (sizes
// differ by at most one); worker r computes the gradient of shard r (loss already
// divided by the whole batch's size) into its own slot of a SharedArrayBuffer; the
// trainer sums the slots in rank order (deterministic), applies Adam to the shared
// weight vector and bumps its version, and the workers reload it before their next step.
// The training and validation data are copied once into SharedArrayBuffers.
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../backend.ts';
import { Replica, type Dataset, type ShardResult, type TransformSpec } from './replica.ts';
import { createSharedExchangeBuffers, abortSharedExchange, type SharedExchangeBuffers } from './sync.ts';
import type { WorkerCommand, WorkerInit, WorkerReply } from './worker.ts';

export interface GradientEngine {
  readonly threads: number;
  /** Backend the gradients are computed on. */
  readonly backend: string;
  /** Canonical weights (layout order). Bump `version` after changing them. */
  readonly weights: Float32Array;
  version: number;
  /** Summed gradient of the last step (layout order). */
  readonly grad: Float32Array;
  /** Whole-batch BN statistics of the last step (Replica.bnStatsLength). */
  readonly bnStats: Float64Array;
  step(epoch: number, indices: Int32Array, lossScale: number): Promise<ShardResult>;
  /** Inference-mode loss/accuracy over the validation set; logits into valLogits. */
  evaluate(batchSize: number): Promise<ShardResult>;
  readonly valLogits: Float32Array | null;
  /** Time of the training steps so far: compute = slowest replica's gradient time. */
  readonly timing: EngineTiming;
  close(): Promise<void>;
}

export interface EngineTiming {
  steps: number;
  /** Sum over steps of the wall time of engine.step(). */
  stepMs: number;
  /** Sum over steps of the slowest replica's compute time (weights reload + gradient). */
  computeMs: number;
  /** Sum over steps of the time spent summing the shards' gradients. */
  reduceMs: number;
}

const newTiming = (): EngineTiming => ({ steps: 0, stepMs: 0, computeMs: 0, reduceMs: 0 });

export interface EngineOptions {
  seed: number;
  classWeights: number[] | null;
  /** Augmentation of training batches (workers rebuild it from its module). */
  transform?: TransformSpec | null;
  train: Dataset;
  val: Dataset | null;
}

/** Contiguous shard boundaries for `n` items over `parts` workers. */
export function shardBounds(n: number, parts: number): number[] {
  const bounds = [0];
  const base = Math.floor(n / parts);
  const extra = n % parts;
  for (let r = 0; r < parts; r++) bounds.push(bounds[r]! + base + (r < extra ? 1 : 0));
  return bounds;
}

export class InProcessEngine implements GradientEngine {
  readonly threads = 1;
  readonly backend = tf.getBackend();
  readonly weights: Float32Array;
  version = 0;
  readonly grad: Float32Array;
  readonly bnStats: Float64Array;
  readonly valLogits: Float32Array | null;
  readonly timing = newTiming();
  private loaded = -1;

  constructor(private readonly replica: Replica, private readonly opts: EngineOptions, initial: Float32Array) {
    this.weights = Float32Array.from(initial);
    this.grad = new Float32Array(initial.length);
    this.bnStats = new Float64Array(replica.bnStatsLength);
    this.valLogits = opts.val && new Float32Array(opts.val.y.length * replica.numClasses);
  }

  private sync(): void {
    if (this.loaded !== this.version) {
      this.replica.loadWeights(this.weights);
      this.loaded = this.version;
    }
  }

  async step(epoch: number, indices: Int32Array, lossScale: number): Promise<ShardResult> {
    const t0 = performance.now();
    this.sync();
    const r = this.replica.gradients(this.opts.train, indices, epoch, lossScale, this.grad, this.bnStats);
    const ms = performance.now() - t0;
    this.timing.steps += 1;
    this.timing.stepMs += ms;
    this.timing.computeMs += ms;
    return r;
  }

  async evaluate(batchSize: number): Promise<ShardResult> {
    const val = this.opts.val;
    if (val == null) throw new Error('evaluate: no validation set');
    this.sync();
    return this.replica.evaluate(val, 0, val.y.length, batchSize, this.valLogits ?? undefined);
  }

  async close(): Promise<void> {}
}

function toShared<T extends Float32Array | Int32Array>(a: T): SharedArrayBuffer {
  if (a.buffer instanceof SharedArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) return a.buffer;
  const sab = new SharedArrayBuffer(a.byteLength);
  new (a.constructor as new (b: SharedArrayBuffer) => T)(sab).set(a);
  return sab;
}

type TimedResult = ShardResult & { ms: number };
interface Pending { resolve: (r: TimedResult) => void; reject: (e: Error) => void }

function sumResults(rs: ShardResult[]): ShardResult {
  return rs.reduce((a, b) => ({ lossSum: a.lossSum + b.lossSum, correct: a.correct + b.correct, count: a.count + b.count }),
    { lossSum: 0, correct: 0, count: 0 });
}

export class WorkerEngine implements GradientEngine {
  readonly weights: Float32Array;
  version = 0;
  readonly grad: Float32Array;
  readonly bnStats: Float64Array;
  readonly valLogits: Float32Array | null;
  backend = '';
  readonly timing = newTiming();
  private readonly slots: Float32Array[];
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly exchange: SharedExchangeBuffers;
  private nextId = 0;
  private failure: Error | null = null;
  private closed = false;

  private constructor(readonly threads: number, private readonly nVal: number, size: number, bnStatsLength: number, numClasses: number) {
    this.weights = new Float32Array(new SharedArrayBuffer(size * 4));
    this.grad = new Float32Array(size);
    this.bnStats = new Float64Array(new SharedArrayBuffer(Math.max(1, bnStatsLength) * 8));
    this.slots = Array.from({ length: threads }, () => new Float32Array(new SharedArrayBuffer(size * 4)));
    this.valLogits = nVal > 0 ? new Float32Array(new SharedArrayBuffer(nVal * numClasses * 4)) : null;
    // Largest exchange: (count, mean[C], M2[C]) of the widest BN layer.
    this.exchange = createSharedExchangeBuffers(threads, 1 + Math.max(1, bnStatsLength));
  }

  /** Start `threads` workers with replicas of `model` (weights = `initial`). */
  static async start(
    model: tf.LayersModel, replica: Replica, initial: Float32Array, threads: number, backend: BackendName, opts: EngineOptions,
  ): Promise<WorkerEngine> {
    const nVal = opts.val?.y.length ?? 0;
    const engine = new WorkerEngine(threads, nVal, initial.length, replica.bnStatsLength, replica.numClasses);
    engine.weights.set(initial);
    const train = { x: toShared(opts.train.x), y: toShared(opts.train.y) };
    const val = opts.val && { x: toShared(opts.val.x), y: toShared(opts.val.y) };
    const modelTopology = model.toJSON(null, false) as object;
    const ready: Promise<{ backend: string }>[] = [];
    for (let rank = 0; rank < threads; rank++) {
      const init: WorkerInit = {
        rank, backend, modelTopology, seed: opts.seed, classWeights: opts.classWeights, transform: opts.transform ?? null,
        exchange: engine.exchange, weights: engine.weights.buffer as SharedArrayBuffer,
        grad: engine.slots[rank]!.buffer as SharedArrayBuffer, bnStats: engine.bnStats.buffer as SharedArrayBuffer,
        train, val, valLogits: (engine.valLogits?.buffer as SharedArrayBuffer | undefined) ?? null,
      };
      // execArgv []: not the parent's loader flags; the entry registers tsx itself.
      const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: init, execArgv: [] });
      engine.workers.push(worker);
      ready.push(new Promise((resolve, reject) => {
        const onMessage = (m: WorkerReply) => {
          if ('ready' in m) { worker.off('message', onMessage); resolve({ backend: m.backend }); }
          else if (!m.ok && m.id === -1) reject(new Error(`training worker ${rank} failed to start: ${m.error}`));
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`training worker ${rank} exited (code ${code}) while starting`)));
      }));
      worker.on('message', (m: WorkerReply) => engine.onReply(m));
      worker.on('error', (err) => engine.fail(new Error(`training worker ${rank} crashed: ${err.stack ?? err.message}`)));
      worker.on('exit', (code) => { if (!engine.closed) engine.fail(new Error(`training worker ${rank} exited unexpectedly (code ${code})`)); });
    }
    try {
      const infos = await Promise.all(ready);
      engine.backend = infos[0]!.backend;
    } catch (err) {
      await engine.close();
      throw err;
    }
    return engine;
  }

  private onReply(m: WorkerReply): void {
    if ('ready' in m) return;
    if (m.id === -1) return; // start-up failure, reported by start()
    const p = this.pending.get(m.id);
    if (p == null) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve({ lossSum: m.lossSum, correct: m.correct, count: m.count, ms: m.ms });
    else p.reject(new Error(`training worker failed: ${m.error}`));
  }

  private fail(err: Error): void {
    if (this.failure == null) this.failure = err;
    abortSharedExchange(this.exchange);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private send(rank: number, cmd: WorkerCommand): Promise<TimedResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(cmd.id, { resolve, reject });
      this.workers[rank]!.postMessage(cmd);
    });
  }

  async step(epoch: number, indices: Int32Array, lossScale: number): Promise<ShardResult> {
    const t0 = performance.now();
    const bounds = shardBounds(indices.length, this.threads);
    const results = await Promise.all(this.workers.map((_, r) => this.send(r, {
      cmd: 'step', id: this.nextId++, version: this.version, epoch,
      indices: indices.slice(bounds[r]!, bounds[r + 1]!), lossScale,
    })));
    // Sum the shards' gradients in rank order: the same sum on every run.
    const t1 = performance.now();
    const g = this.grad;
    const [first, ...rest] = this.slots;
    g.set(first!);
    for (const slot of rest) for (let i = 0; i < g.length; i++) g[i] = g[i]! + slot[i]!;
    const t2 = performance.now();
    this.timing.steps += 1;
    this.timing.stepMs += t2 - t0;
    this.timing.computeMs += Math.max(...results.map((r) => r.ms));
    this.timing.reduceMs += t2 - t1;
    return sumResults(results);
  }

  async evaluate(batchSize: number): Promise<ShardResult> {
    if (this.nVal === 0) throw new Error('evaluate: no validation set');
    const bounds = shardBounds(this.nVal, this.threads);
    const results = await Promise.all(this.workers.map((_, r) => this.send(r, {
      cmd: 'evaluate', id: this.nextId++, version: this.version, start: bounds[r]!, end: bounds[r + 1]!, batchSize,
    })));
    return sumResults(results);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
