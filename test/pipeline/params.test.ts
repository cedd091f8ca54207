import { afterAll, describe, expect, it } from 'vitest';
import { canonicalJson, declaredParamsView, declaredValues, diffParams, setParam } from '../../src/pipeline/params.ts';
import { createTestContext, destroySharedPool } from '../../src/pipeline/testing.ts';

const params = { seed: 0, audio: { sample_rate: 16000 }, train: { lr: 0.001, epochs: 60, aug: { noise: false } }, split: { folds: [0, 1] } };

describe('declared params view', () => {
  it('exposes declared prefixes and throws on undeclared params', () => {
    const p = declaredParamsView(params, ['audio', 'train.lr', 'seed'], 'resample') as any;
    expect(p.audio.sample_rate).toBe(16000);
    expect(p.seed).toBe(0);
    expect(p.train.lr).toBe(0.001);
    expect(() => p.train.epochs).toThrow(/stage 'resample' read param 'train.epochs', which it does not declare.*stages.resample.params/);
    expect(() => p.split).toThrow(/read param 'split'/);
    expect(() => p.nonexistent).toThrow(/read param 'nonexistent'/);
    expect(Object.keys(p).sort()).toEqual(['audio', 'seed', 'train']);
    expect(JSON.parse(JSON.stringify(p))).toEqual({ seed: 0, audio: { sample_rate: 16000 }, train: { lr: 0.001 } });
  });

  it('is read-only, deeply', () => {
    const p = declaredParamsView(params, ['train'], 'train') as any;
    expect(() => { p.train = 1; }).toThrow(/read-only/);
    expect(() => { p.train.lr = 1; }).toThrow();
    expect(() => { p.train.aug.noise = true; }).toThrow();
    expect(params.train.lr).toBe(0.001);
  });

  it('createTestContext makes a temporary outDir and removes it on cleanup', async () => {
    const { existsSync } = await import('node:fs');
    const { cleanupTestContexts } = await import('../../src/pipeline/testing.ts');
    const ctx = await createTestContext({ stage: 'x', matrix: { fold: 1 }, inputs: { up: '/tmp/some-dir' } });
    expect(existsSync(ctx.outDir)).toBe(true);
    expect(ctx.inputs.up).toEqual([{ stage: 'up', matrix: {}, key: 'test', dir: '/tmp/some-dir' }]);
    expect(ctx.matrix).toEqual({ fold: 1 });
    cleanupTestContexts();
    expect(existsSync(ctx.outDir)).toBe(false);
  });

  it('createTestContext uses the same view when `declared` is given', async () => {
    const ctx = await createTestContext({ params, declared: ['audio'] });
    expect((ctx.params as any).audio.sample_rate).toBe(16000);
    expect(() => (ctx.params as any).train).toThrow(/does not declare/);
    ctx.log('hello');
    ctx.progress(1, 2);
    expect(ctx.logs).toEqual(['hello']);
    expect(ctx.progressEvents).toEqual([{ done: 1, total: 2 }]);
  });
});

describe('param helpers', () => {
  afterAll(() => destroySharedPool());
  it('canonical JSON ignores key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 3 } })).toBe(canonicalJson({ a: { c: 3, d: [1, { x: 1, y: 2 }] }, b: 1 }));
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
  });
  it('declaredValues reduces overlapping prefixes and rejects unknown ones', () => {
    expect(declaredValues(params, ['train.lr', 'train', 'seed'])).toEqual({ seed: 0, train: params.train });
    expect(() => declaredValues(params, ['trian'])).toThrow(/'trian' is not defined/);
  });
  it('diffParams names leaf changes', () => {
    expect(diffParams({ train: { lr: 0.001, e: 1 } }, { train: { lr: 0.0005, e: 1 } })).toEqual([{ path: 'train.lr', before: 0.001, after: 0.0005 }]);
    expect(diffParams({ a: 1 }, { a: 1, b: 2 })).toEqual([{ path: 'b', before: undefined, after: 2 }]);
  });
  it('setParam creates paths and refuses to descend into scalars', () => {
    const p: any = { a: { b: 1 } };
    setParam(p, 'a.c.d', 2);
    expect(p).toEqual({ a: { b: 1, c: { d: 2 } } });
    expect(() => setParam(p, 'a.b.x', 1)).toThrow(/a.b is 1, not a mapping/);
  });
});
