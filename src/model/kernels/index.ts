// Registers our wasm kernels with tfjs. Registration is per JS realm (each worker thread
// registers its own); kernels keep any state per backend instance, never globally.
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2d_backprop_filter.ts';

/** Our kernels, in registration order. */
export const wasmKernelConfigs: readonly KernelConfig[] = [
  conv2dBackpropFilterConfig,
];

const registered = new Set<KernelConfig>();

/**
 * Register (idempotently) our kernels for the wasm backend, replacing stock ones with the
 * same name. Returns the names of our kernels now active.
 */
export function registerWasmKernels(): string[] {
  for (const config of wasmKernelConfigs) {
    if (registered.has(config)) continue;
    if (tf.getKernel(config.kernelName, config.backendName) != null) {
      tf.unregisterKernel(config.kernelName, config.backendName);
    }
    tf.registerKernel(config);
    registered.add(config);
  }
  return wasmKernelConfigs.map((c) => c.kernelName);
}
