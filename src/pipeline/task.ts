// Helpers for worker task modules (the modules passed to ctx.pool.run). Kept free of
// runtime imports so that a task module loading it costs nothing.
import type { Transferable } from './types.ts';

const TRANSFER = Symbol.for('ser.pool.transfer');

/** A task result whose ArrayBuffers are moved to the caller instead of copied. */
export interface TransferResult<T> {
  readonly [TRANSFER]: true;
  readonly value: T;
  readonly transfer: Transferable[];
}

/**
 * Return `withTransfer(value)` from a task function to move the buffers of the typed
 * arrays inside `value` (found at the top level, in arrays and in plain objects, 3
 * levels deep) to the main thread instead of copying them; or list them explicitly
 * with `withTransfer(value, [a.buffer, b.buffer])`. Only do this for arrays the
 * worker does not keep: a moved buffer is detached (length 0) in the worker.
 * The caller of pool.run() receives `value` itself.
 */
export function withTransfer<T>(value: T, transfer?: Transferable[]): TransferResult<T> {
  return { [TRANSFER]: true, value, transfer: transfer ?? collectBuffers(value) };
}

export function isTransferResult(x: unknown): x is TransferResult<unknown> {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[TRANSFER] === true;
}

function collectBuffers(value: unknown, depth = 0, out = new Set<ArrayBuffer>()): Transferable[] {
  if (ArrayBuffer.isView(value)) {
    // A view over part of a larger buffer (or a shared one) is left to be copied:
    // moving it would take the whole buffer away from the worker.
    const buf = value.buffer;
    if (buf instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === buf.byteLength) out.add(buf);
  } else if (value instanceof ArrayBuffer) {
    out.add(value);
  } else if (depth < 3 && Array.isArray(value)) {
    for (const v of value) collectBuffers(v, depth + 1, out);
  } else if (depth < 3 && typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectBuffers(v, depth + 1, out);
  }
  return [...out];
}
