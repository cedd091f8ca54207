import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend.ts';

// Its own file: the first initialisation in a fresh process is the one that raced.
describe('initBackend, concurrent callers', () => {
  it('two stage instances initialising wasm at once both get a working backend', async () => {
    const infos = await Promise.all([initBackend('wasm', { log: () => {} }), initBackend('wasm', { log: () => {} })]);
    expect(infos.map((i) => i.name)).toEqual(['wasm', 'wasm']);
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.tidy(() => tf.sum(tf.tensor([1, 2, 3])).dataSync()[0])).toBe(6);
  });

  it('a failing call does not poison the next one', async () => {
    await expect(initBackend('gpu' as never, { log: () => {} })).rejects.toThrow(/unknown backend/);
    expect((await initBackend('cpu', { log: () => {} })).name).toBe('cpu');
  });
});
