// Per-kernel time of one training step of the default CNN (batch 32, 64x188x1 log-Mels)
// on one backend thread. Usage:
//   npx tsx bench/profile-step.ts [--backend wasm|cpu|auto] [--batch 32] [--steps 5]
//                                 [--kernels Name1,Name2]   (subset of our wasm kernels)
//                                 [--sparse 0.4]  (0: dense conv-gradient kernels only)
//                                 [--winograd 1]  (0: stock XNNPACK forward convolutions)
//                                 [--fused-ops]   (conv+bias+ReLU as one op, see kernels/ops.ts)
// Last line: key=value summary: step_ms / step_cpu_ms = median wall / CPU time of a step,
// <kernel>_ms = CPU time per step in that kernel.
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../src/model/backend.ts';
import { setSparseGradThreshold } from '../src/model/kernels/sparsity.ts';
import { setWinogradConv } from '../src/model/kernels/conv2d.ts';
import { convBiasRelu } from '../src/model/kernels/ops.ts';

const { values: opts } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    batch: { type: 'string', default: '32' },
    steps: { type: 'string', default: '5' },
    kernels: { type: 'string' },
    // Density of nonzero dy below which conv gradients use the sparse kernels (0 = never).
    sparse: { type: 'string' },
    // 0: every Conv2D on the stock XNNPACK kernel (no Winograd).
    winograd: { type: 'string' },
    // Forward written with convBiasRelu (src/model/kernels/ops.ts) instead of model.apply.
    'fused-ops': { type: 'boolean', default: false },
  },
});
const batch = Number(opts.batch);
if (opts.sparse != null) setSparseGradThreshold(Number(opts.sparse));
if (opts.winograd != null) setWinogradConv(opts.winograd !== '0');
const steps = Number(opts.steps);
const [H, W, CLASSES] = [64, 188, 8];

const info = await initBackend(opts.backend as BackendName, {
  kernels: opts.kernels == null ? undefined : opts.kernels.split(',').filter(Boolean),
});

// The project's default model (issue 3/6): 4x[Conv3x3 same -> ReLU -> MaxPool2]
// 16/32/64/128, flatten, Dense128 ReLU, Dropout .3, Dense 8 (softmax folded into the loss).
function defaultModel(): tf.Sequential {
  const m = tf.sequential();
  [16, 32, 64, 128].forEach((filters, i) => {
    m.add(tf.layers.conv2d({
      filters, kernelSize: 3, padding: 'same', activation: 'relu',
      ...(i === 0 ? { inputShape: [H, W, 1] } : {}),
    }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  });
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 128, activation: 'relu' }));
  m.add(tf.layers.dropout({ rate: 0.3 }));
  m.add(tf.layers.dense({ units: CLASSES }));
  return m;
}

const model = defaultModel();
const optimizer = tf.train.adam(1e-3);
const x = tf.randomNormal([batch, H, W, 1], 0, 1, 'float32', 1);
const labels = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % CLASSES), 'int32');
const y = tf.oneHot(labels, CLASSES).toFloat();

// The same network with each Conv2D+ReLU as one convBiasRelu op (first layer: no input
// gradient), on the model's own variables.
function fusedForward(input: tf.Tensor4D): tf.Tensor {
  let h: tf.Tensor = input;
  let conv = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const [kernel, bias] = layer.getWeights(true).map((w) => w as tf.Tensor);
    if (cls === 'Conv2D') {
      h = convBiasRelu(h as tf.Tensor4D, kernel as tf.Tensor4D, bias as tf.Tensor1D, { pad: 'same', inputGradient: conv++ > 0 });
    } else if (cls === 'MaxPooling2D') {
      h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid');
    } else if (cls === 'Flatten') {
      h = tf.reshape(h, [h.shape[0]!, -1]);
    } else if (cls === 'Dense') {
      const relu = (layer.getConfig() as { activation: string }).activation === 'relu';
      h = tf.fused.matMul({ a: h as tf.Tensor2D, b: kernel as tf.Tensor2D, bias, activation: relu ? 'relu' : 'linear' });
    } else if (cls === 'Dropout') {
      h = tf.dropout(h, 0.3);
    }
  }
  return h;
}

function step(): number {
  const loss = tf.tidy(() => optimizer.minimize(() =>
    tf.losses.softmaxCrossEntropy(y, opts['fused-ops'] ? fusedForward(x as tf.Tensor4D)
      : model.apply(x, { training: true }) as tf.Tensor), true)!);
  const value = loss.dataSync()[0]!;
  loss.dispose();
  return value;
}

for (let i = 0; i < 2; i++) step(); // warm-up: XNNPACK operators, optimizer slots

// The machine is shared: besides wall time we measure CPU time (process.cpuUsage), which
// other processes' load disturbs much less. Medians over the measured steps.
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const wall: number[] = [];
const cpu: number[] = [];
for (let i = 0; i < steps; i++) {
  const [w0, c0] = [performance.now(), cpuMs()];
  step();
  wall.push(performance.now() - w0);
  cpu.push(cpuMs() - c0);
}
const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)]!;

// Per-kernel times: wrap every kernel registered for the backend with a timer. Kernels
// calling other kernels' functions directly are not double-counted (that does not go
// through the registry).
const perKernel = new Map<string, { wall: number; cpu: number; calls: number }>();
// Conv kernels also per first-input shape (= per layer).
const perLayer = new Map<string, { cpu: number; calls: number }>();
const byLayer = new Set(['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'BatchMatMul']);
for (const config of tf.getKernelsForBackend(info.name)) {
  const inner = config.kernelFunc;
  const e = { wall: 0, cpu: 0, calls: 0 };
  perKernel.set(config.kernelName, e);
  tf.unregisterKernel(config.kernelName, info.name);
  tf.registerKernel({
    ...config,
    kernelFunc: (args) => {
      const [w0, c0] = [performance.now(), cpuMs()];
      const out = inner(args);
      const dc = cpuMs() - c0;
      e.wall += performance.now() - w0;
      e.cpu += dc;
      e.calls++;
      if (byLayer.has(config.kernelName)) {
        const shapes = Object.values(args.inputs).map((t) => `[${(t as tf.TensorInfo).shape.join(',')}]`).join(' ');
        const key = `${config.kernelName} ${shapes}`;
        const l = perLayer.get(key) ?? { cpu: 0, calls: 0 };
        l.cpu += dc;
        l.calls++;
        perLayer.set(key, l);
      }
      return out;
    },
  });
}
const profiled = Math.max(1, steps);
const profWall: number[] = [];
for (let i = 0; i < profiled; i++) {
  const w0 = performance.now();
  step();
  profWall.push(performance.now() - w0);
}
const rows = [...perKernel.entries()].filter(([, e]) => e.calls > 0)
  .map(([n, e]) => [n, { wall: e.wall / profiled, cpu: e.cpu / profiled, calls: e.calls / profiled }] as const)
  .sort((a, b) => b[1].cpu - a[1].cpu);
const total = rows.reduce((s, [, e]) => s + e.cpu, 0);
const totalWall = rows.reduce((s, [, e]) => s + e.wall, 0);
console.log(`backend=${info.name} simd=${info.simd} threads=${info.threads} kernels=${info.customKernels.join(',') || '-'}`);
console.log(`step wall ms: ${wall.map((t) => t.toFixed(0)).join(' ')}; cpu ms: ${cpu.map((t) => t.toFixed(0)).join(' ')}`);
console.log(`${'kernel'.padEnd(24)} ${'calls'.padStart(6)} ${'cpu ms'.padStart(8)} ${'wall ms'.padStart(8)} ${'share'.padStart(6)}`);
for (const [name, e] of rows) {
  console.log(`${name.padEnd(24)} ${e.calls.toFixed(0).padStart(6)} ${e.cpu.toFixed(1).padStart(8)} ${e.wall.toFixed(1).padStart(8)} ${(100 * e.cpu / total).toFixed(1).padStart(5)}%`);
}
console.log('per layer (CPU ms per step; inputs in kernel order):');
for (const [key, l] of [...perLayer.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
  console.log(`  ${key.padEnd(72)} ${(l.cpu / profiled).toFixed(1).padStart(7)}`);
}
console.log(`${'(all kernels)'.padEnd(24)} ${''.padStart(6)} ${total.toFixed(1).padStart(8)} ${totalWall.toFixed(1).padStart(8)}`);
// Conv2DBackpropFilter -> conv2d_backprop_filter; 'Step' (a kernel) must not shadow step_ms.
const snake = (s: string) => {
  const k = s.replace(/^_/, '').replace(/2D/g, '2d').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return k === 'step' ? 'step_kernel' : k;
};
const summary = [
  `backend=${info.name}`, `batch=${batch}`, `step_ms=${median(wall).toFixed(1)}`,
  `step_cpu_ms=${median(cpu).toFixed(1)}`, `kernels_cpu_ms=${total.toFixed(1)}`,
  `peak_rss_mb=${(process.resourceUsage().maxRSS / 1024).toFixed(0)}`,
  ...rows.filter(([, e]) => e.cpu >= 1).map(([n, e]) => `${snake(n)}_ms=${e.cpu.toFixed(1)}`),
];
console.log(summary.join(' '));
