// `ser predict` end to end through the CLI dispatcher, in a temporary project whose
// pipeline.lock names two tiny trained fold models (see helpers.ts).
import { cp, mkdir, mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { writeLock, type LockEntry } from '../../src/pipeline/lock.ts';
import { MARKER } from '../../src/pipeline/store.ts';
import { writeTinyRun } from './helpers.ts';

const FLAC = new URL('../fixtures/predict/03-01-01-01-01-02-17.flac', import.meta.url);

/** 16-bit PCM WAV with `channels` interleaved channels. */
function wav(samples: Float32Array[], rate: number): Uint8Array {
  const ch = samples.length, n = samples[0].length;
  const buf = Buffer.alloc(44 + n * ch * 2);
  buf.write('RIFF', 0); buf.writeUInt32LE(36 + n * ch * 2, 4); buf.write('WAVE', 8);
  buf.write('fmt ', 12); buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(ch, 22);
  buf.writeUInt32LE(rate, 24); buf.writeUInt32LE(rate * ch * 2, 28); buf.writeUInt16LE(ch * 2, 32); buf.writeUInt16LE(16, 34);
  buf.write('data', 36); buf.writeUInt32LE(n * ch * 2, 40);
  for (let i = 0; i < n; i++) for (let c = 0; c < ch; c++) buf.writeInt16LE(Math.round(Math.max(-1, Math.min(1, samples[c][i])) * 32767), 44 + (i * ch + c) * 2);
  return buf;
}
const tone = (seconds: number, rate: number, f: number, amp = 0.3) => Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => amp * Math.sin((2 * Math.PI * f * i) / rate));

function capture() {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, cb) { text += String(chunk); cb(); } });
  return { stream, get text() { return text; } };
}

async function ser(cwd: string, ...argv: string[]) {
  const out = capture(), err = capture();
  const code = await main(['predict', ...argv], { stdout: out.stream, stderr: err.stream, cwd, env: {}, signal: new AbortController().signal });
  return { code, stdout: out.text, stderr: err.text };
}

/** A project whose pipeline.lock names the tiny run's train artifacts. */
async function project(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'ser-predict-'));
  await writeFile(join(root, 'pipeline.yaml'), 'params: {}\nstages: {}\n');
  const run = await writeTinyRun(join(root, 'tiny'));
  const stages: Record<string, LockEntry> = {};
  for (const t of run.train) {
    const key = String(t.fold).repeat(64);
    const dir = join(root, 'artifacts', 'train', key);
    await mkdir(join(root, 'artifacts', 'train'), { recursive: true });
    await rename(t.dir, dir);
    const id = `train[fold=${t.fold}]`;
    const entry: LockEntry = { key, stage: 'train', matrix: { fold: t.fold }, params: {}, code: {}, packages: {}, data: {}, inputs: {}, outs: [], out_hash: key, duration_s: 1, produced_at: '2026-01-01T00:00:00Z' };
    stages[id] = entry;
    await writeFile(join(dir, MARKER), JSON.stringify({ schema: 1, instance: id, entry }));
  }
  await writeLock(root, { stages }, []);
  const audio = join(root, 'audio');
  await mkdir(join(audio, 'more'), { recursive: true });
  await writeFile(join(audio, 'a-44k-stereo.wav'), wav([tone(0.08, 44100, 300), tone(0.08, 44100, 500)], 44100));
  await writeFile(join(audio, 'more', 'b-8k-long.wav'), wav([tone(0.35, 8000, 700)], 8000));
  await cp(FLAC, join(audio, 'c.flac'));
  await writeFile(join(audio, 'broken.wav'), 'this is not audio at all');
  return root;
}

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await project();
});

describe('ser predict', () => {
  it('predicts every readable file of a folder, one-line error for a bad one, exit 1', async () => {
    const r = await ser(root, 'audio', '--backend', 'cpu');
    expect(r.code).toBe(1);
    const errLines = r.stderr.trim().split('\n');
    expect(errLines).toHaveLength(1);
    expect(errLines[0]).toMatch(/broken\.wav.*text \("this is not audio at all…"\), not audio/);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^file\s+emotion\s+conf %\s+win\s+neutral\s+calm\s+happy\s+sad\s+angry\s+fearful\s+disgust\s+surprised$/);
    expect(lines.slice(1, 4).map((l) => l.split(/\s+/)[0])).toEqual(['audio/a-44k-stereo.wav', 'audio/c.flac', 'audio/more/b-8k-long.wav']);
    expect(lines.at(-1)).toBe('3 predicted, 1 failed; model: ensemble of folds 0, 1');
  });

  it('--json: the distribution, windows for a long clip, the source format, errors inline', async () => {
    const r = await ser(root, 'audio/a-44k-stereo.wav', 'audio/more/b-8k-long.wav', 'audio/c.flac', 'audio/nope.wav', '--json', '--backend', 'cpu');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.folds).toEqual([0, 1]);
    const [a, b, c, nope] = out.results;
    expect(a).toMatchObject({ file: 'audio/a-44k-stereo.wav', ok: true, sample_rate: 44100, channels: 2, windows: 1 });
    expect(Object.values(a.probabilities as Record<string, number>).reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
    expect(a.confidence).toBe(Math.max(...Object.values(a.probabilities as Record<string, number>)));
    // 0.35 s at 16 kHz = 5600 samples, windows of 1600 at a hop of 800: starts 0, 800, …, 4000
    expect(b).toMatchObject({ ok: true, sample_rate: 8000, windows: 6 });
    expect(b.duration_s).toBeCloseTo(0.35, 6);
    expect(c).toMatchObject({ ok: true, sample_rate: 48000, channels: 1 });
    expect(nope).toEqual({ file: 'audio/nope.wav', ok: false, error: 'no such file or folder' });
  });

  it('the ensemble averages the fold models; --fold picks one', async () => {
    const get = async (...extra: string[]) => JSON.parse((await ser(root, 'audio/c.flac', '--json', '--backend', 'cpu', ...extra)).stdout).results[0].probabilities as Record<string, number>;
    const [ens, f0, f1] = [await get(), await get('--fold', '0'), await get('--fold', '1')];
    for (const k of Object.keys(ens)) expect(ens[k]).toBeCloseTo((f0[k] + f1[k]) / 2, 6);
    const r = await ser(root, 'audio/c.flac', '--fold', '7', '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no model for fold 7; trained folds: 0, 1/);
  });

  it('--exp uses the models a recorded experiment trained; unknown or gc-ed experiments are named', async () => {
    const { saveExperiment } = await import('../../src/experiments/record.ts');
    const key = '1'.repeat(64);
    const base = {
      schema_version: 1 as const, created_at: '2026-01-01T00:00:00.000Z', command: 'ser exp run', git: null,
      targets: [], overrides: [], params: {}, params_changed: [], metrics: null, backend: null, duration_s: 1,
    };
    const stage = (k: string) => ({ id: 'train[fold=1]', stage: 'train', matrix: { fold: 1 }, key: k, outcome: 'ran' as const, seconds: 1, produced_s: 1 });
    await saveExperiment(root, { ...base, name: 'only-fold1', stages: [stage(key)], artifacts: { 'train[fold=1]': key } }, true);
    const get = async (...extra: string[]) => JSON.parse((await ser(root, 'audio/c.flac', '--json', '--backend', 'cpu', ...extra)).stdout);
    const [viaExp, f1, ens] = [await get('--exp', 'only-fold1'), await get('--fold', '1'), await get()];
    expect(viaExp.folds).toEqual([1]);
    expect(viaExp.results[0].probabilities).toEqual(f1.results[0].probabilities);
    expect(ens.folds).toEqual([0, 1]);

    const missing = await ser(root, 'audio/c.flac', '--exp', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no experiment 'nope' \(experiments: only-fold1\)/);
    const gone = 'a'.repeat(64);
    await saveExperiment(root, { ...base, name: 'gone', stages: [stage(gone)], artifacts: { 'train[fold=1]': gone } }, true);
    const r = await ser(root, 'audio/c.flac', '--exp', 'gone');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/experiment 'gone' names train\[fold=1\] \(key aaaaaaaaaaaa\) but .* is missing/);
  });

  it('says to run the pipeline first when there is no trained model', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'ser-predict-empty-'));
    await writeFile(join(empty, 'pipeline.yaml'), 'params: {}\nstages: {}\n');
    const r = await ser(empty, 'x.wav');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no trained model yet.*Run `make pipeline` first/);
  });

  it('usage errors exit 2', async () => {
    expect((await ser(root)).code).toBe(2);
    expect((await ser(root, 'a.wav', '--fold', 'x')).code).toBe(2);
  });
});
