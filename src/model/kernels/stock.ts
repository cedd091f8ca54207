// The stock wasm kernels we replace, kept for the cases our versions do not handle
// (e.g. NCHW). Saved at registration time, per realm.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

const stock = new Map<string, KernelConfig>();
const setUp = new WeakMap<BackendWasm, Set<string>>();

export function saveStockKernel(config: KernelConfig): void {
  if (!stock.has(config.kernelName)) stock.set(config.kernelName, config);
}

/** Run the stock wasm kernel `name` (setting it up for this backend on first use). */
export function runStockKernel(
  name: string, args: { inputs: object; backend: BackendWasm; attrs?: object },
): TensorInfo {
  const config = stock.get(name);
  if (config == null) throw new Error(`wasm backend has no stock kernel ${name} to fall back to`);
  let done = setUp.get(args.backend);
  if (done == null) setUp.set(args.backend, done = new Set());
  if (!done.has(name)) {
    // Stock kernels bind their C functions in setupFunc; it ran at backend init only if the
    // stock kernel was still registered then.
    config.setupFunc?.(args.backend);
    done.add(name);
  }
  return (config.kernelFunc as KernelFunc)(args as Parameters<KernelFunc>[0]) as TensorInfo;
}
