// What a run prints. On a TTY: log lines scroll above a block of live lines, one per
// running stage instance (items done/total, rate, ETA), redrawn ~8 times a second.
// Otherwise (CI, pipes): plain timestamped lines, progress at most every 10 s per stage.
import type { Writable } from 'node:stream';

export interface Reporter {
  info(message: string): void;
  warn(message: string): void;
  stageStart(id: string, message: string): void;
  stageLog(id: string, message: string): void;
  stageProgress(id: string, done: number, total: number, note?: string): void;
  stageEnd(id: string, message: string): void;
  /** Stop redrawing (end of the run). */
  close(): void;
}

interface Live {
  id: string;
  started: number;
  done: number;
  total: number;
  note?: string;
  firstAt?: number;
  firstDone?: number;
  lastPlain: number;
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** `812/1440 56% 93.1/s ETA 7s note` */
export function progressText(l: Live, now = Date.now()): string {
  const parts: string[] = [];
  if (l.total > 0) {
    parts.push(`${l.done}/${l.total}`, `${Math.floor((100 * l.done) / l.total)}%`);
    // Rate over the time since the first progress report, so set-up time before the
    // main loop does not skew it.
    if (l.firstAt !== undefined && now > l.firstAt && l.done > (l.firstDone ?? 0)) {
      const rate = ((l.done - (l.firstDone ?? 0)) * 1000) / (now - l.firstAt);
      parts.push(`${rate >= 10 ? rate.toFixed(0) : rate.toPrecision(2)}/s`);
      if (l.done < l.total) parts.push(`ETA ${formatDuration((l.total - l.done) / rate)}`);
    }
  } else {
    parts.push(formatDuration((now - l.started) / 1000));
  }
  if (l.note) parts.push(l.note);
  return parts.join('  ');
}

function clock(d = new Date()): string {
  return d.toTimeString().slice(0, 8);
}

abstract class BaseReporter implements Reporter {
  protected live = new Map<string, Live>();
  abstract info(message: string): void;
  abstract warn(message: string): void;
  abstract stageLog(id: string, message: string): void;
  abstract stageStart(id: string, message: string): void;
  abstract stageEnd(id: string, message: string): void;
  abstract close(): void;
  protected begin(id: string): void {
    this.live.set(id, { id, started: Date.now(), done: 0, total: 0, lastPlain: 0 });
  }
  stageProgress(id: string, done: number, total: number, note?: string): void {
    const l = this.live.get(id);
    if (!l) return;
    if (l.firstAt === undefined) {
      l.firstAt = Date.now();
      l.firstDone = done;
    }
    l.done = done;
    l.total = total;
    l.note = note;
    this.onProgress(l);
  }
  protected onProgress(_l: Live): void {}
}

/** Plain timestamped lines (CI logs, pipes). */
export class PlainReporter extends BaseReporter {
  constructor(
    private readonly out: Writable,
    private readonly err: Writable = out,
    private readonly intervalMs = 10_000,
  ) {
    super();
  }
  private line(s: string, stream = this.out): void {
    stream.write(`[${clock()}] ${s}\n`);
  }
  info(m: string) {
    this.line(m);
  }
  warn(m: string) {
    this.line(`warning: ${m}`, this.err);
  }
  stageStart(id: string, m: string) {
    this.begin(id);
    this.line(`${id}: ${m}`);
  }
  stageLog(id: string, m: string) {
    this.line(`${id}: ${m}`);
  }
  protected onProgress(l: Live) {
    const now = Date.now();
    if (now - l.lastPlain >= this.intervalMs || (l.total > 0 && l.done === l.total)) {
      l.lastPlain = now;
      this.line(`${l.id}: ${progressText(l, now)}`);
    }
  }
  stageEnd(id: string, m: string) {
    this.live.delete(id);
    this.line(`${id}: ${m}`);
  }
  close() {}
}

const SPIN = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Live lines on a terminal. */
export class TtyReporter extends BaseReporter {
  private drawn = 0;
  private timer?: NodeJS.Timeout;
  private frame = 0;
  constructor(private readonly out: Writable & { columns?: number }) {
    super();
  }
  private clear(): void {
    if (this.drawn) this.out.write(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }
  private draw(): void {
    const width = Math.max(40, (this.out.columns ?? 100) - 1);
    const lines = [...this.live.values()].map((l) => {
      const s = `${SPIN[this.frame % SPIN.length]} ${l.id}  ${progressText(l)}`;
      return s.length > width ? s.slice(0, width - 1) + '…' : s;
    });
    this.frame++;
    if (lines.length) this.out.write(lines.join('\n') + '\n');
    this.drawn = lines.length;
  }
  private print(s: string): void {
    this.clear();
    this.out.write(s + '\n');
    this.draw();
  }
  private ensureTimer(): void {
    if (this.timer || !this.live.size) return;
    this.timer = setInterval(() => {
      this.clear();
      this.draw();
      if (!this.live.size) this.stopTimer();
    }, 120);
    this.timer.unref();
  }
  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
  info(m: string) {
    this.print(m);
  }
  warn(m: string) {
    this.print(`\x1b[33mwarning:\x1b[0m ${m}`);
  }
  stageStart(id: string, m: string) {
    this.begin(id);
    this.print(`${id}: ${m}`);
    this.ensureTimer();
  }
  stageLog(id: string, m: string) {
    this.print(`  ${id}: ${m}`);
  }
  stageEnd(id: string, m: string) {
    this.live.delete(id);
    this.print(`${id}: ${m}`);
  }
  close() {
    this.stopTimer();
    this.clear();
  }
}

/** Collects everything (tests, programmatic use). */
export class MemoryReporter extends BaseReporter {
  readonly lines: string[] = [];
  readonly progress: { id: string; done: number; total: number }[] = [];
  info(m: string) {
    this.lines.push(m);
  }
  warn(m: string) {
    this.lines.push(`warning: ${m}`);
  }
  stageStart(id: string, m: string) {
    this.begin(id);
    this.lines.push(`${id}: ${m}`);
  }
  stageLog(id: string, m: string) {
    this.lines.push(`${id}: ${m}`);
  }
  stageProgress(id: string, done: number, total: number, note?: string) {
    this.progress.push({ id, done, total });
    super.stageProgress(id, done, total, note);
  }
  stageEnd(id: string, m: string) {
    this.live.delete(id);
    this.lines.push(`${id}: ${m}`);
  }
  close() {}
}

export function reporterFor(out: Writable & { isTTY?: boolean; columns?: number }, err: Writable): Reporter {
  return out.isTTY && process.env.TERM !== 'dumb' ? new TtyReporter(out) : new PlainReporter(out, err);
}
