// Progress output: live lines on a TTY, timestamped plain lines otherwise.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PlainReporter, TtyReporter, formatDuration, progressText } from '../../src/pipeline/progress.ts';

class Sink extends Writable {
  text = '';
  columns = 80;
  isTTY = true;
  _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

describe('progress', () => {
  it('shows done/total, percentage, rate and ETA', () => {
    const now = 10_000;
    const line = progressText({ id: 'featurize', started: 0, done: 720, total: 1440, firstAt: now - 8000, firstDone: 0, lastPlain: 0 }, now);
    expect(line).toBe('720/1440  50%  90/s  ETA 8.0s');
    expect(progressText({ id: 'x', started: now - 65_000, done: 0, total: 0, lastPlain: 0 }, now)).toBe('1m05s');
    expect(formatDuration(3725)).toBe('1h02m');
  });

  it('plain mode: timestamped lines, progress throttled but the last step always shown', () => {
    const out = new Sink();
    const r = new PlainReporter(out, out, 60_000);
    r.stageStart('resample', 'running (never run)');
    for (let i = 1; i <= 100; i++) r.stageProgress('resample', i, 100);
    r.stageLog('resample', 'wrote audio.parquet');
    r.stageEnd('resample', 'done in 2.0s');
    const lines = out.text.trim().split('\n');
    expect(lines.every((l) => /^\[\d\d:\d\d:\d\d\] /.test(l))).toBe(true);
    expect(lines.map((l) => l.slice(11))).toEqual([
      'resample: running (never run)',
      'resample: 1/100  1%',
      expect.stringMatching(/^resample: 100\/100  100%/),
      'resample: wrote audio.parquet',
      'resample: done in 2.0s',
    ]);
    expect(out.text).not.toContain('\x1b[');
  });

  it('TTY mode: one live line per running stage, redrawn in place, cleared at the end', () => {
    const out = new Sink();
    const r = new TtyReporter(out);
    r.stageStart('train[fold=0]', 'running');
    r.stageStart('train[fold=1]', 'running');
    r.stageProgress('train[fold=0]', 3, 10, 'epoch 3');
    r.stageLog('train[fold=1]', 'backend wasm');
    // Two live lines are drawn after each printed line; a redraw moves up over them first.
    expect(out.text).toMatch(/train\[fold=0\]  3\/10  30%  epoch 3\n. train\[fold=1\]/);
    expect(out.text).toContain('\x1b[2F\x1b[J  train[fold=1]: backend wasm\n');
    r.stageEnd('train[fold=0]', 'done');
    r.stageEnd('train[fold=1]', 'done');
    r.close();
    expect(out.text.endsWith('train[fold=1]: done\n')).toBe(true);
  });
});
