// Enables the multi-threaded SIMD build of @tensorflow/tfjs-backend-wasm in Node.
//
// tfjs disables it in Node (WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE) because
// Emscripten starts its pthread workers from `blob:` URLs, which Node's Worker refuses
// (ERR_WORKER_PATH). Three things stand in the way, and this module removes each one for
// the duration of the backend's initialisation only:
//  1. the pthread worker script and the main script are handed over as Blobs: we record
//     the Blob parts as they are constructed and write them to real files in a private
//     temp directory (the worker script as .cjs, so `require` works in it);
//  2. the rollup bundle renamed the factory's `require('fs')` etc. to `require$$0..4`;
//     the main-script file defines those names before the factory;
//  3. tfjs caps the XNNPACK threadpool at emscripten_num_logical_cores()/2 (it assumes
//     hyper-threading), which is 1 on a 2-vCPU machine: os.cpus() is doubled while the
//     module initialises so the cap becomes the real core count.
// The threadpool then parallelises XNNPACK's convolutions and matmuls; kernels written
// in JS (or stock scalar kernels) still run on one thread. Call before the first
// tf.setBackend('wasm') in this realm.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';

const require = createRequire(import.meta.url);
const MAIN_PREFIX = 'var WasmBackendModuleThreadedSimd';
// Names the bundle gave the factory's Node built-ins (tf-backend-wasm.node.js, 4.22.0).
const BUNDLE_REQUIRES =
  "var require$$0=require('fs'),require$$1=require('path'),require$$3=require('perf_hooks')," +
  "require$$4=require('os'),commonjsGlobal=globalThis;\n";

let enabledThreads = 0;

/**
 * Make the next wasm backend initialisation in this realm use the threaded SIMD binary
 * with `threads` XNNPACK threads (>= 2). Returns a restore function to call once
 * `tf.setBackend('wasm')` has resolved: it undoes the temporary global patches and
 * unrefs the pool's workers. Even so, a process that used the threaded build does not
 * always exit by itself when its work is done (a MessagePort stays referenced; not
 * tracked down): end such programs with process.exit().
 */
export function prepareWasmThreads(threads: number): () => void {
  if (!Number.isInteger(threads) || threads < 2) {
    throw new Error(`prepareWasmThreads: threads must be an integer >= 2, got ${threads}`);
  }
  if (tf.findBackend('wasm') != null) {
    throw new Error('prepareWasmThreads: the wasm backend is already initialised in this realm');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-wasm-threads-'));
  const mainPath = path.join(dir, 'tfjs-backend-wasm-threaded-simd.cjs');
  const workerPath = path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.cjs');
  // Emscripten may start another pthread worker later (beyond its pool of 8), which reads
  // both files again: keep them until the process exits.
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const RealBlob = globalThis.Blob;
  const realCreateObjectURL = URL.createObjectURL;
  const realCpus = os.cpus;

  const parts = new WeakMap<Blob, string>();
  class RecordingBlob extends RealBlob {
    constructor(blobParts?: ConstructorParameters<typeof Blob>[0], options?: ConstructorParameters<typeof Blob>[1]) {
      super(blobParts ?? [], options);
      const text = (blobParts ?? []).every((p) => typeof p === 'string') ? (blobParts as string[]).join('') : null;
      if (text == null) return;
      parts.set(this, text);
      // The main script is never turned into a URL on this thread: Emscripten posts the
      // Blob itself to each pthread worker, whose loader we rewrite to read this file.
      if (text.startsWith(MAIN_PREFIX)) fs.writeFileSync(mainPath, BUNDLE_REQUIRES + text);
    }
  }
  globalThis.Blob = RecordingBlob as typeof Blob;
  URL.createObjectURL = (obj: Blob) => {
    const text = parts.get(obj);
    if (text == null) return realCreateObjectURL(obj);
    // The pthread worker script: load the main script from our file instead of a blob.
    const loader = 'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}';
    if (!text.includes(loader)) {
      throw new Error('prepareWasmThreads: unexpected tfjs-backend-wasm worker script (package version changed?)');
    }
    fs.writeFileSync(workerPath, text.replace(loader, `if(true){importScripts(${JSON.stringify(mainPath)})}`));
    return workerPath;
  };
  os.cpus = () => { const c = realCpus(); return [...c, ...c]; };
  // Pthread workers run only Emscripten's plain-JS worker script: they need none of this
  // process's flags (tsx's --import would load a TypeScript loader into each of the 8).
  // Emscripten reads worker_threads.Worker while the module initialises: swap it until then.
  const threadsModule = require('node:worker_threads') as typeof import('node:worker_threads');
  const RealWorker = threadsModule.Worker;
  class PlainWorker extends RealWorker {
    constructor(file: string | URL, options: import('node:worker_threads').WorkerOptions = {}) {
      super(file, { ...options, execArgv: [] });
    }
  }
  threadsModule.Worker = PlainWorker;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  enabledThreads = threads;
  return () => {
    globalThis.Blob = RealBlob;
    URL.createObjectURL = realCreateObjectURL;
    os.cpus = realCpus;
    threadsModule.Worker = RealWorker;
    // XNNPACK's pool threads run for the life of the backend and Emscripten ref()s their
    // workers, which would keep Node from exiting when the program is done.
    // A thread may start after this point (ref() on start), so ref() becomes a no-op.
    type NodeWorker = { ref(): void; unref(): void };
    const backend = tf.findBackend('wasm') as unknown as { wasm?: { PThread?: { runningWorkers?: NodeWorker[]; unusedWorkers?: NodeWorker[] } } } | null;
    const pthread = backend?.wasm?.PThread;
    for (const w of [...(pthread?.runningWorkers ?? []), ...(pthread?.unusedWorkers ?? [])]) {
      w.ref = () => {};
      w.unref();
    }
  };
}

/** Threads requested by prepareWasmThreads in this realm (0 = single-threaded build). */
export function requestedWasmThreads(): number {
  return enabledThreads;
}
