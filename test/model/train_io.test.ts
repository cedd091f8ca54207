import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend.ts';
import { loadModel, saveModel } from '../../src/model/io.ts';
import { buildModel } from '../../src/model/network.ts';
import { convOIHWtoHWIO, linearToKernel, loadTorchWeights, type TorchTensorEntry } from '../../src/model/torch-weights.ts';
import { readWeights, weightLayout } from '../../src/model/train/weights.ts';
import { createRng } from '../../src/util/rng.ts';

let tmp: string;
beforeAll(async () => {
  await initBackend('wasm', { log: () => {} });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-model-io-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('saveModel / loadModel', () => {
  it('round-trips architecture and weights exactly, and writes identical bytes twice', async () => {
    const model = buildModel({ batchNorm: true, channels: [4, 8], inputShape: [16, 20] }, 11);
    const a = path.join(tmp, 'a');
    const b = path.join(tmp, 'b');
    await saveModel(model, a);
    await saveModel(model, b);
    expect(fs.readdirSync(a).sort()).toEqual(['model.json', 'weights.bin']);
    expect(fs.readFileSync(path.join(a, 'model.json'))).toEqual(fs.readFileSync(path.join(b, 'model.json')));
    expect(fs.readFileSync(path.join(a, 'weights.bin'))).toEqual(fs.readFileSync(path.join(b, 'weights.bin')));
    const loaded = await loadModel(a);
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(readWeights(loaded, weightLayout(loaded))).toEqual(readWeights(model, weightLayout(model)));
    const x = tf.randomNormal([2, 16, 20, 1], 0, 1, 'float32', 3);
    expect((loaded.predict(x) as tf.Tensor).dataSync()).toEqual((model.predict(x) as tf.Tensor).dataSync());
    const json = JSON.parse(fs.readFileSync(path.join(a, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['./weights.bin']);
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toContain('bn1/moving_mean');
  });

  it('fails clearly on a missing directory, a missing weight file and truncated weights', async () => {
    await expect(loadModel(path.join(tmp, 'nope'))).rejects.toThrow(/cannot read .*nope\/model\.json/);
    const model = buildModel({ channels: [2], inputShape: [8, 8], denseUnits: 4 });
    const d = path.join(tmp, 'broken');
    await saveModel(model, d);
    const bin = path.join(d, 'weights.bin');
    fs.writeFileSync(bin, fs.readFileSync(bin).subarray(0, 100));
    await expect(loadModel(d)).rejects.toThrow(/100 bytes of weights but model.json describes/);
    fs.rmSync(bin);
    await expect(loadModel(d)).rejects.toThrow(/weights\.bin named in .* is missing/);
  });
});

// A direct PyTorch-layout (NCHW, OIHW, [out,in] linear, C-order flatten) forward pass of
// the reference architecture, as an independent check of the layout conversions.
function torchForward(x: Float32Array, H: number, W: number, convs: { w: Float32Array; b: Float32Array; co: number }[],
  linears: { w: Float32Array; b: Float32Array; out: number }[]): Float32Array {
  let act = x;
  let [c, h, w] = [1, H, W];
  for (const conv of convs) {
    const out = new Float32Array(conv.co * h * w);
    for (let o = 0; o < conv.co; o++) for (let y = 0; y < h; y++) for (let z = 0; z < w; z++) {
      let s = conv.b[o]!;
      for (let i = 0; i < c; i++) for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
        const yy = y + ky - 1;
        const zz = z + kx - 1;
        if (yy < 0 || yy >= h || zz < 0 || zz >= w) continue;
        s += conv.w[((o * c + i) * 3 + ky) * 3 + kx]! * act[(i * h + yy) * w + zz]!;
      }
      out[(o * h + y) * w + z] = Math.max(0, s);
    }
    const [ph, pw] = [Math.floor(h / 2), Math.floor(w / 2)];
    const pooled = new Float32Array(conv.co * ph * pw);
    for (let o = 0; o < conv.co; o++) for (let y = 0; y < ph; y++) for (let z = 0; z < pw; z++) {
      pooled[(o * ph + y) * pw + z] = Math.max(out[(o * h + 2 * y) * w + 2 * z]!, out[(o * h + 2 * y) * w + 2 * z + 1]!,
        out[(o * h + 2 * y + 1) * w + 2 * z]!, out[(o * h + 2 * y + 1) * w + 2 * z + 1]!);
    }
    act = pooled;
    [c, h, w] = [conv.co, ph, pw];
  }
  linears.forEach((lin, k) => {
    const inp = act.length;
    const out = new Float32Array(lin.out);
    for (let o = 0; o < lin.out; o++) {
      let s = lin.b[o]!;
      for (let j = 0; j < inp; j++) s += lin.w[o * inp + j]! * act[j]!;
      out[o] = k < linears.length - 1 ? Math.max(0, s) : s;
    }
    act = out;
  });
  return act;
}

describe('loadTorchWeights', () => {
  it('converts OIHW convs and the NCHW-flatten first Linear so our model matches a PyTorch-layout forward pass', () => {
    const [H, W] = [8, 12];
    const model = buildModel({ inputShape: [H, W], channels: [2, 3], denseUnits: 5, numClasses: 4, dropout: 0.3 });
    const rng = createRng(9, 'torch');
    const rand = (n: number) => Float32Array.from({ length: n }, () => rng.float() - 0.5);
    const convs = [{ w: rand(2 * 1 * 9), b: rand(2), co: 2, ci: 1 }, { w: rand(3 * 2 * 9), b: rand(3), co: 3, ci: 2 }];
    const flat = 3 * 2 * 3;
    const linears = [{ w: rand(5 * flat), b: rand(5), out: 5, inp: flat }, { w: rand(4 * 5), b: rand(4), out: 4, inp: 5 }];
    const manifest: TorchTensorEntry[] = [];
    const chunks: Float32Array[] = [];
    let offset = 0;
    const add = (name: string, shape: number[], data: Float32Array) => {
      manifest.push({ name, shape, offset_floats: offset, n: data.length });
      chunks.push(data);
      offset += data.length;
    };
    convs.forEach((c, i) => { add(`features.${3 * i}.weight`, [c.co, c.ci, 3, 3], c.w); add(`features.${3 * i}.bias`, [c.co], c.b); });
    linears.forEach((l, i) => { add(`classifier.${1 + 3 * i}.weight`, [l.out, l.inp], l.w); add(`classifier.${1 + 3 * i}.bias`, [l.out], l.b); });
    const data = new Float32Array(offset);
    let at = 0;
    for (const c of chunks) { data.set(c, at); at += c.length; }
    loadTorchWeights(model, { manifest, data });

    for (let trial = 0; trial < 3; trial++) {
      const x = rand(H * W);
      const expected = torchForward(x, H, W, convs, linears);
      const ours = (model.predict(tf.tensor4d(x, [1, H, W, 1])) as tf.Tensor).dataSync();
      for (let k = 0; k < 4; k++) expect(ours[k]).toBeCloseTo(expected[k]!, 5);
    }
    // wrong shapes are reported with the tensor's name
    const bad = manifest.map((e) => (e.name === 'features.3.weight' ? { ...e, shape: [3, 2, 5, 5] } : e));
    expect(() => loadTorchWeights(model, { manifest: bad, data })).toThrow(/features\.3\.weight has shape \[3,2,5,5\]/);
  });

  it('layout helpers: OIHW -> HWIO and linear [out,in] -> [in,out]', () => {
    const src = Float32Array.from({ length: 2 * 3 * 1 * 2 }, (_, i) => i); // O=2, I=3, kh=1, kw=2
    const hwio = convOIHWtoHWIO(src, [2, 3, 1, 2]);
    // element [o=1, i=2, y=0, x=1] = 1*6 + 2*2 + 1 = 11 lands at ((0*2+1)*3+2)*2+1 = 11
    expect(hwio[((0 * 2 + 1) * 3 + 2) * 2 + 1]).toBe(11);
    expect(hwio[((0 * 2 + 0) * 3 + 1) * 2 + 0]).toBe(2); // [o=0,i=1,y=0,x=0]
    const lin = linearToKernel(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(Array.from(lin)).toEqual([1, 4, 2, 5, 3, 6]);
  });
});
