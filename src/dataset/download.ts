// Downloads the official RAVDESS zip: progress, resume (HTTP Range) after an interrupted
// transfer (within a run, by retrying, and across runs, from the `.part` file), MD5
// check, and a final name that appears only once the bytes are verified (rename of the
// `.part`). A server that ignores Range gets a clean restart from byte 0; a wrong MD5
// deletes the `.part` (its bytes cannot be trusted for a resume either).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export const RAVDESS_ZIP = {
  name: 'Audio_Speech_Actors_01-24.zip',
  url: 'https://zenodo.org/records/1188976/files/Audio_Speech_Actors_01-24.zip?download=1',
  md5: 'bc696df654c87fed845eb13823edef8a',
};

export interface DownloadOptions {
  url: string;
  /** Final path, created (with its folder) only once the bytes are verified. */
  dest: string;
  /** Where the bytes go until then; default `${dest}.part`. */
  part?: string;
  /** Expected MD5 (hex). */
  md5: string;
  signal?: AbortSignal;
  log?: (message: string) => void;
  progress?: (done: number, total: number, note?: string) => void;
  /** Attempts in a row that make no progress before giving up. Default 5. */
  retries?: number;
  /** Delay before retry k is retryDelayMs · 2^(k-1). Default 1000. */
  retryDelayMs?: number;
  /** Abort an attempt when no byte arrives for this long. Default 60 s. */
  idleTimeoutMs?: number;
}

export class DownloadError extends Error {
  constructor(message: string, readonly offline = false) {
    super(message);
    this.name = 'DownloadError';
  }
}

const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCode(err: unknown): string | undefined {
  let e = err as { code?: string; cause?: unknown } | undefined;
  for (let i = 0; i < 4 && e; i++) {
    if (e.code) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

function describe(err: unknown): string {
  const parts: string[] = [];
  let e = err as { message?: string; cause?: unknown } | undefined;
  for (let i = 0; i < 4 && e; i++) {
    if (e.message && !parts.includes(e.message)) parts.push(e.message);
    e = e.cause as typeof e;
  }
  return parts.join(': ') || String(err);
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** MD5 state over the bytes already in the .part file (for a resume). */
async function hashExisting(path: string, bytes: number) {
  const md5 = createHash('md5');
  if (bytes > 0) {
    for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1 })) md5.update(chunk as Buffer);
  }
  return md5;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });

/** Download `url` to `dest`, verified by MD5. Throws DownloadError on failure. */
export async function download(opts: DownloadOptions): Promise<void> {
  const { url, dest, signal } = opts;
  const log = opts.log ?? (() => {});
  const part = opts.part ?? `${dest}.part`;
  const retries = opts.retries ?? 5;
  const retryDelay = opts.retryDelayMs ?? 1000;
  const idleTimeout = opts.idleTimeoutMs ?? 60_000;
  await mkdir(dirname(part), { recursive: true });

  let failures = 0;
  let lastError = '';
  // Furthest the .part has ever reached: an attempt only counts as progress if it gets
  // further (a server that cuts at the same byte every time must not retry forever).
  let furthest = await sizeOf(part);
  for (;;) {
    signal?.throwIfAborted();
    const have = await sizeOf(part);
    const attempt = await fetchOnce({ url, part, have, signal, idleTimeout, log, progress: opts.progress });
    if (attempt.kind === 'done') {
      const digest = attempt.md5;
      if (digest !== opts.md5.toLowerCase()) {
        await rm(part, { force: true });
        throw new DownloadError(`downloaded ${url} but its MD5 is ${digest}, expected ${opts.md5}: the file is not the official one or was corrupted in transit. The partial download was deleted; nothing was written to ${dest}.`);
      }
      await mkdir(dirname(dest), { recursive: true });
      await rename(part, dest);
      log(`downloaded and verified ${dest} (md5 ${digest})`);
      return;
    }
    if (attempt.kind === 'fatal') throw attempt.error;
    // Transient: retry (resuming from the .part); attempts that got further do not count.
    const reached = await sizeOf(part);
    failures = reached > furthest ? 1 : failures + 1;
    furthest = Math.max(furthest, reached);
    lastError = attempt.message;
    if (failures > retries) {
      throw new DownloadError(`download of ${url} failed ${failures} times in a row (last: ${lastError}); ${await sizeOf(part)} bytes are kept in ${part} and the next run resumes from there.`);
    }
    const wait = retryDelay * 2 ** (failures - 1);
    log(`download interrupted (${lastError}); retrying in ${(wait / 1000).toFixed(1)} s from byte ${await sizeOf(part)}`);
    await sleep(wait, signal);
  }
}

type Attempt =
  | { kind: 'done'; md5: string }
  | { kind: 'retry'; message: string }
  | { kind: 'fatal'; error: Error };

interface AttemptOptions {
  url: string;
  part: string;
  have: number;
  signal?: AbortSignal;
  idleTimeout: number;
  log: (m: string) => void;
  progress?: (done: number, total: number, note?: string) => void;
}

async function fetchOnce(o: AttemptOptions): Promise<Attempt> {
  const idle = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, idle.signal]) : idle.signal;
  let timer = setTimeout(() => idle.abort(new Error(`no data for ${o.idleTimeout / 1000} s`)), o.idleTimeout);
  const poke = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(new Error(`no data for ${o.idleTimeout / 1000} s`)), o.idleTimeout);
  };
  let received = 0;
  try {
    let res: Response;
    try {
      res = await fetch(o.url, { headers: o.have > 0 ? { Range: `bytes=${o.have}-` } : {}, signal, redirect: 'follow' });
    } catch (err) {
      if (o.signal?.aborted) throw o.signal.reason;
      const code = errorCode(err);
      if (code && OFFLINE_CODES.has(code)) {
        return { kind: 'fatal', error: new DownloadError(`cannot reach ${new URL(o.url).host} (${describe(err)})`, true) };
      }
      return { kind: 'retry', message: describe(err) };
    }
    let start = 0;
    let total = -1;
    if (res.status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
      if (!m || Number(m[1]) !== o.have) {
        await res.body?.cancel();
        await rm(o.part, { force: true });
        return { kind: 'retry', message: `server answered the resume request with range "${res.headers.get('content-range')}"; restarting from byte 0` };
      }
      start = o.have;
      total = m[3] === '*' ? -1 : Number(m[3]);
    } else if (res.status === 200) {
      if (o.have > 0) o.log(`server ignored the resume request (HTTP 200, not 206): restarting from byte 0`);
      const len = Number(res.headers.get('content-length'));
      total = Number.isFinite(len) && len > 0 ? len : -1;
    } else if (res.status === 416 && o.have > 0) {
      // Requested range beyond the end: the .part is complete (or longer than the file).
      await res.body?.cancel();
      const m = /^bytes \*\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
      if (m && Number(m[1]) === o.have) return { kind: 'done', md5: (await hashExisting(o.part, o.have)).digest('hex') };
      await rm(o.part, { force: true });
      return { kind: 'retry', message: 'partial download is longer than the file; restarting' };
    } else {
      await res.body?.cancel();
      const msg = `HTTP ${res.status} ${res.statusText} from ${o.url}`;
      if (res.status >= 500 || res.status === 429) return { kind: 'retry', message: msg };
      return { kind: 'fatal', error: new DownloadError(msg) };
    }
    if (!res.body) return { kind: 'retry', message: 'empty response body' };

    const md5 = start > 0 ? await hashExisting(o.part, start) : createHash('md5');
    const fh = await open(o.part, start > 0 ? 'a' : 'w');
    let done = start;
    let lastTick = 0;
    const t0 = Date.now();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        poke();
        await fh.write(chunk);
        md5.update(chunk);
        done += chunk.length;
        received += chunk.length;
        const now = Date.now();
        if (o.progress && now - lastTick > 200) {
          lastTick = now;
          const mbps = received / 1e6 / Math.max(0.001, (now - t0) / 1000);
          o.progress(done, total > 0 ? total : done, `${mbps.toFixed(1)} MB/s`);
        }
      }
    } finally {
      await fh.close();
    }
    if (total > 0 && done !== total) {
      return { kind: 'retry', message: `connection closed at byte ${done} of ${total}` };
    }
    o.progress?.(done, done);
    return { kind: 'done', md5: md5.digest('hex') };
  } catch (err) {
    if (o.signal?.aborted) throw o.signal.reason;
    return { kind: 'retry', message: describe(err) };
  } finally {
    clearTimeout(timer);
  }
}
