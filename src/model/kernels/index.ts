// Registers our wasm kernels with tfjs. Registration is per JS realm (each worker thread
// registers its own); kernels keep any state per backend instance, never globally.
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2d_backprop_filter.ts';
import { conv2dBackpropInputConfig } from './conv2d_backprop_input.ts';
import { maxPoolGradConfig } from './max_pool_grad.ts';
import { sumConfig } from './sum.ts';
import { batchMatMulConfig } from './batch_mat_mul.ts';
import { elementwiseConfigs } from './elementwise.ts';
import { conv2dConfig, fusedConv2dConfig } from './conv2d.ts';
import { installReluGradient, reluGradConfig } from './relu_grad.ts';
import { saveStockKernel } from './stock.ts';

/** Our kernels, in registration order. */
export const wasmKernelConfigs: readonly KernelConfig[] = [
  conv2dConfig,
  fusedConv2dConfig,
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  maxPoolGradConfig,
  sumConfig,
  batchMatMulConfig,
  ...elementwiseConfigs,
  reluGradConfig,
];

const registered = new Set<KernelConfig>();

/**
 * Register (idempotently) our kernels for the wasm backend, replacing stock ones with the
 * same name. `only` restricts to a subset (to measure one kernel against the stock one; a
 * stock kernel, once replaced, stays replaced in this realm). Returns the names of our
 * kernels now active.
 */
export function registerWasmKernels(only?: readonly string[]): string[] {
  if (only != null) {
    const unknown = only.filter((k) => !wasmKernelConfigs.some((c) => c.kernelName === k));
    if (unknown.length > 0) {
      throw new Error(`registerWasmKernels: no such kernel of ours: ${unknown.join(', ')} ` +
        `(ours: ${wasmKernelConfigs.map((c) => c.kernelName).join(', ')})`);
    }
  }
  const chosen = wasmKernelConfigs.filter((c) => only == null || only.includes(c.kernelName));
  for (const config of chosen) {
    if (registered.has(config)) continue;
    const existing = tf.getKernel(config.kernelName, config.backendName);
    if (existing != null) {
      saveStockKernel(existing);
      tf.unregisterKernel(config.kernelName, config.backendName);
    }
    tf.registerKernel(config);
    registered.add(config);
  }
  if (registered.has(reluGradConfig)) installReluGradient();
  return [...registered].map((c) => c.kernelName);
}
