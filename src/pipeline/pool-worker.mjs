// Entry module of every pool worker thread. Plain JavaScript because it has to set up
// TypeScript loading itself: on Node 20, loader hooks passed to a worker as
// `execArgv: ['--import', 'tsx']` are not applied to the worker's imports (measured:
// "Unknown file extension .ts"), while calling tsx's register() inside the worker works.
// The task module is imported on its first call (then cached by the module loader)
// and its exported function is called with the task argument.
import { register } from 'tsx/esm/api';
import { Piscina } from 'piscina';

register();

// Same symbol as withTransfer() in task.ts.
const TRANSFER = Symbol.for('ser.pool.transfer');

/** @param {{ module: string, fn: string, arg: unknown }} task */
export default async function runTask(task) {
  const mod = await import(task.module);
  const fn = mod[task.fn];
  if (typeof fn !== 'function') {
    const exported = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new Error(`worker task module ${task.module} has no exported function '${task.fn}' (it exports: ${exported.join(', ') || 'none'})`);
  }
  const result = await fn(task.arg);
  if (typeof result === 'object' && result !== null && result[TRANSFER] === true) {
    // Piscina moves the buffers listed under its transferable symbol.
    return Piscina.move({ [Piscina.transferableSymbol]: result.transfer, [Piscina.valueSymbol]: result.value });
  }
  return result;
}
