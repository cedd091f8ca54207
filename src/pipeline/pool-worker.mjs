// Entry module of every pool worker thread. Plain JavaScript: it must run before any
// TypeScript loading is set up.
//
// A task names its module (a file: URL) and, normally, a plain-JS bundle of it that the
// main thread built (pool-bundle.ts), which is imported directly. Without a bundle the
// worker registers tsx on first need and imports the TypeScript module itself: on Node
// 20, loader hooks passed to a worker as `execArgv: ['--import', 'tsx']` do not reach
// its imports (measured: "Unknown file extension .ts"), while calling tsx's register()
// inside the worker works. Each module is imported once per thread and kept: a
// repeated import() through the tsx hooks cost ~0.6 ms of CPU per task.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

// Same symbol as withTransfer() in task.ts.
const TRANSFER = Symbol.for('ser.pool.transfer');

// To move (not copy) result buffers, piscina wants the result marked with its private
// kMovable symbol (what Piscina.move() does). Its worker runtime has already loaded
// dist/common.js, so requiring that file again is free, while importing the piscina
// package in every worker costs ~0.1 s of CPU; the package is the fallback.
let markMovable;
function movable(value, transfer) {
  markMovable ??= (() => {
    try {
      const common = require(join(dirname(require.resolve('piscina')), 'common.js'));
      if (typeof common.markMovable === 'function') return common.markMovable;
    } catch {
      // fall through
    }
    const { Piscina } = require('piscina');
    return (v) => Piscina.move(v);
  })();
  // Piscina's transferable protocol: these two keys are global symbols.
  const v = { [Symbol.for('Piscina.transferable')]: transfer, [Symbol.for('Piscina.valueOf')]: value };
  markMovable(v);
  return v;
}

let tsx;
const modules = new Map();

function load(task) {
  let p = modules.get(task.module);
  if (!p) {
    p = (async () => {
      if (task.bundle) {
        try {
          return await import(task.bundle);
        } catch {
          // a bundle that vanished or does not load: the module itself below
        }
      }
      if (/\.[cm]?tsx?$/.test(new URL(task.module).pathname)) {
        tsx ??= import('tsx/esm/api').then((m) => m.register());
        await tsx;
      }
      return import(task.module);
    })();
    modules.set(task.module, p);
    p.catch(() => modules.delete(task.module)); // a failed import is retried next time
  }
  return p;
}

/** @param {{ module: string, bundle?: string, fn: string, arg: unknown }} task */
export default async function runTask(task) {
  const mod = await load(task);
  const fn = mod[task.fn];
  if (typeof fn !== 'function') {
    const exported = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new Error(`worker task module ${task.module} has no exported function '${task.fn}' (it exports: ${exported.join(', ') || 'none'})`);
  }
  const result = await fn(task.arg);
  if (typeof result === 'object' && result !== null && result[TRANSFER] === true) return movable(result.value, result.transfer);
  return result;
}
