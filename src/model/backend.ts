// Training/inference backend selection.
//
// 'auto' prefers @tensorflow/tfjs-node (native TensorFlow) when it loads — it is an
// optional dependency whose install downloads libtensorflow and so often is absent — and
// otherwise uses the wasm backend (SIMD build) with our gradient kernels registered
// (src/model/kernels). 'cpu' is the pure-JS reference backend (slow; tests use it).
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from './kernels/index.ts';

export type BackendName = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** The backend that runs. */
  name: 'tensorflow' | 'wasm' | 'cpu';
  /** What was asked for. */
  requested: BackendName;
  /** wasm: whether the SIMD binary runs. */
  simd: boolean;
  /** Threads the backend itself uses for one op (wasm: XNNPACK threadpool size). */
  threads: number;
  tfjsVersion: string;
  /** Version of the package providing the backend. */
  backendVersion: string;
  /** Our kernels registered for this backend (wasm only). */
  customKernels: string[];
  /** Why 'auto' did not pick tfjs-node, when it did not. */
  fallbackReason?: string;
}

export interface InitBackendOptions {
  /** Where the choice is logged (default: stderr). */
  log?: (message: string) => void;
  /** wasm: register only these of our kernels (default: all). For A/B measurements. */
  kernels?: readonly string[];
}

const BACKENDS: readonly BackendName[] = ['auto', 'tensorflow', 'wasm', 'cpu'];
const require = createRequire(import.meta.url);

/** Select, initialise and log the backend; returns facts for the run's metadata. */
// Calls are serialized: tfjs backend registration and setBackend are process-global, and
// two stage instances initialising wasm at the same moment made one of them fail.
// With none under way, a call starts at once, in the caller's tick: deferring it by even
// a microtask made the threaded wasm build (prepareWasmThreads) come up single-threaded.
let initQueue: Promise<unknown> | null = null;

export function initBackend(name: BackendName = 'auto', options: InitBackendOptions = {}): Promise<BackendInfo> {
  const next = initQueue == null
    ? initBackendNow(name, options)
    : initQueue.then(() => initBackendNow(name, options));
  const settled = next.then(() => undefined, () => undefined);
  initQueue = settled;
  void settled.then(() => { if (initQueue === settled) initQueue = null; });
  return next;
}

async function initBackendNow(name: BackendName, options: InitBackendOptions): Promise<BackendInfo> {
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  if (!BACKENDS.includes(name)) {
    throw new Error(`initBackend: unknown backend '${String(name)}' (expected one of ${BACKENDS.join(', ')})`);
  }
  let info: BackendInfo;
  if (name === 'tensorflow') {
    info = await initTensorflow(name);
  } else if (name === 'auto') {
    try {
      info = await initTensorflow(name);
    } catch (err) {
      info = await initWasm(name, options.kernels);
      info.fallbackReason = (err as Error).message;
    }
  } else if (name === 'wasm') {
    info = await initWasm(name, options.kernels);
  } else {
    await activate('cpu');
    info = {
      name: 'cpu', requested: name, simd: false, threads: 1, tfjsVersion: tf.version.tfjs,
      backendVersion: tf.version.tfjs, customKernels: [],
    };
  }
  log(`backend: ${describeBackend(info)}`);
  return info;
}

export function describeBackend(info: BackendInfo): string {
  const parts = [`${info.name} (requested ${info.requested})`, `tfjs ${info.tfjsVersion}`];
  if (info.name === 'wasm') {
    parts.push(`simd=${info.simd}`, `threads=${info.threads}`,
      `kernels=${info.customKernels.join(',')}`);
  }
  if (info.fallbackReason) parts.push(`tfjs-node unavailable: ${info.fallbackReason}`);
  return parts.join(', ');
}

async function initTensorflow(requested: BackendName): Promise<BackendInfo> {
  // A variable specifier: the package is optional and usually not installed, so neither
  // TypeScript nor a bundler may require it to exist.
  const specifier = '@tensorflow/tfjs-node';
  let nodeVersion = 'unknown';
  try {
    const mod = await import(specifier) as { version?: Record<string, string> };
    nodeVersion = mod.version?.['tfjs-node'] ?? nodeVersion;
  } catch (err) {
    throw new Error(`cannot load ${specifier}: ${firstLine((err as Error).message)}`);
  }
  await activate('tensorflow');
  return {
    name: 'tensorflow', requested, simd: false, threads: os.availableParallelism(),
    tfjsVersion: tf.version.tfjs, backendVersion: nodeVersion, customKernels: [],
  };
}

async function initWasm(requested: BackendName, only?: readonly string[]): Promise<BackendInfo> {
  // Kernels first: a backend picks up registered kernels' setup when it initialises, and
  // ours need none, so registering before or after is equally safe.
  const customKernels = registerWasmKernels(only);
  if (tf.findBackend('wasm') == null) {
    // Node: load the .wasm binaries from the installed package as files, not by URL.
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    try {
      setWasmPaths(dist + path.sep);
    } catch {
      // Already initialised (or initialisation under way) elsewhere in this realm: the
      // paths were set by then.
    }
  }
  await activate('wasm');
  return {
    name: 'wasm', requested, simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
    threads: Math.max(1, getThreadsCount()), tfjsVersion: tf.version.tfjs, backendVersion: version_wasm,
    customKernels,
  };
}

async function activate(name: 'tensorflow' | 'wasm' | 'cpu'): Promise<void> {
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) {
    throw new Error(`initBackend: the '${name}' backend failed to initialise (tf.getBackend() = ${tf.getBackend()})`);
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
