// The downloader against a local HTTP server (node:http): full download, an interrupted
// transfer resumed with Range, a server that ignores Range, a wrong MD5, offline.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { download } from '../../src/dataset/download.ts';
import { ensureDataset } from '../../src/dataset/ensure.ts';
import { parseDatasetParams } from '../../src/dataset/params.ts';
import ingest from '../../stages/ingest.ts';

const BODY = randomBytes(300_000);
const MD5 = createHash('md5').update(BODY).digest('hex');

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;
const servers: Server[] = [];
const requests: { range?: string }[] = [];

async function serve(handler: Handler): Promise<string> {
  let hits = 0;
  const server = createServer((req, res) => {
    requests.push({ range: req.headers.range });
    handler(req, res, hits++);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/files/Audio_Speech_Actors_01-24.zip?download=1`;
}

afterEach(async () => {
  requests.length = 0;
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** Answers Range requests with 206; `cutAt` ends the first response early (socket destroyed). */
function rangeServer(body: Buffer, cutAt?: number): Handler {
  return (req, res, hit) => {
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const headers: Record<string, string | number> = { 'Content-Type': 'application/zip', 'Content-Length': body.length - start, 'Accept-Ranges': 'bytes' };
    if (m) headers['Content-Range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    res.writeHead(m ? 206 : 200, headers);
    if (hit === 0 && cutAt !== undefined) {
      res.write(body.subarray(start, cutAt), () => setTimeout(() => res.destroy(), 20));
    } else res.end(body.subarray(start));
  };
}

const tmp = () => mkdtemp(join(tmpdir(), 'dl-'));
const quick = { retries: 3, retryDelayMs: 10 };

describe('download', () => {
  it('downloads, verifies the MD5 and renames the .part into place, with progress', async () => {
    const url = await serve(rangeServer(BODY));
    const dest = join(await tmp(), 'data', 'Audio_Speech_Actors_01-24.zip');
    const progress: number[] = [];
    await download({ url, dest, md5: MD5, ...quick, progress: (d) => progress.push(d) });
    expect((await readFile(dest)).equals(BODY)).toBe(true);
    expect(await readdir(join(dest, '..'))).toEqual(['Audio_Speech_Actors_01-24.zip']);
    expect(progress.at(-1)).toBe(BODY.length);
  });

  it('resumes an interrupted transfer with a Range request', async () => {
    const url = await serve(rangeServer(BODY, 120_000));
    const dest = join(await tmp(), 'a.zip');
    const logs: string[] = [];
    await download({ url, dest, md5: MD5, ...quick, log: (m) => logs.push(m) });
    expect((await readFile(dest)).equals(BODY)).toBe(true);
    expect(requests.length).toBe(2);
    expect(requests[0].range).toBeUndefined();
    const resumedFrom = Number(/^bytes=(\d+)-$/.exec(requests[1].range ?? '')?.[1]);
    expect(resumedFrom).toBeGreaterThan(0);
    expect(resumedFrom).toBeLessThanOrEqual(120_000);
    expect(logs.join('\n')).toMatch(/download interrupted .* retrying/);
  });

  it('resumes across runs from a .part left by an earlier one', async () => {
    const url = await serve(rangeServer(BODY));
    const dest = join(await tmp(), 'a.zip');
    await writeFile(`${dest}.part`, BODY.subarray(0, 77_777));
    await download({ url, dest, md5: MD5, ...quick });
    expect(requests.map((r) => r.range)).toEqual(['bytes=77777-']);
    expect((await readFile(dest)).equals(BODY)).toBe(true);
  });

  it('restarts cleanly from byte 0 when the server ignores Range', async () => {
    const url = await serve((req, res, hit) => {
      res.writeHead(200, { 'Content-Length': BODY.length });
      if (hit === 0) res.write(BODY.subarray(0, 100_000), () => setTimeout(() => res.destroy(), 20));
      else res.end(BODY);
    });
    const dest = join(await tmp(), 'a.zip');
    const logs: string[] = [];
    await download({ url, dest, md5: MD5, ...quick, log: (m) => logs.push(m) });
    expect(requests[1].range).toMatch(/^bytes=\d+-$/);
    expect(logs.join('\n')).toMatch(/server ignored the resume request \(HTTP 200, not 206\): restarting from byte 0/);
    expect((await readFile(dest)).equals(BODY)).toBe(true);
  });

  it('fails on a wrong MD5 and leaves no file under the final name, nor a .part', async () => {
    const url = await serve(rangeServer(BODY));
    const dir = await tmp();
    const dest = join(dir, 'a.zip');
    await expect(download({ url, dest, md5: 'bc696df654c87fed845eb13823edef8a', ...quick })).rejects.toThrow(
      new RegExp(`its MD5 is ${MD5}, expected bc696df654c87fed845eb13823edef8a.*nothing was written to`),
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('gives up after repeated failures, keeping the .part for the next run', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(503);
      res.end();
    });
    const dir = await tmp();
    await expect(download({ url, dest: join(dir, 'a.zip'), md5: MD5, ...quick })).rejects.toThrow(/failed 4 times in a row \(last: HTTP 503/);
    expect(requests.length).toBe(4);
  });

  it('fails at once on an HTTP 404', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    await expect(download({ url, dest: join(await tmp(), 'a.zip'), md5: MD5, ...quick })).rejects.toThrow(/HTTP 404/);
    expect(requests.length).toBe(1);
  });
});

describe('ingest prepare: dataset missing', () => {
  const params = (path: string, extra: Record<string, unknown> = {}) => parseDatasetParams({ path, download: true, verify: 'warn', ...extra } as never);

  it('downloads the zip into dataset.path when it holds no data', async () => {
    const url = await serve(rangeServer(BODY));
    const root = await tmp();
    await ensureDataset({ root, absPath: join(root, 'data/raw/ravdess'), params: params('data/raw/ravdess', { url, md5: MD5 }), log: () => {}, ...quick });
    expect(await readdir(join(root, 'data/raw/ravdess'))).toEqual(['Audio_Speech_Actors_01-24.zip']);
    expect(await readdir(join(root, 'data/raw'))).toEqual(['ravdess']);
  });

  it('an interrupted download leaves dataset.path absent (so the next run resumes), the bytes in a .part beside it', async () => {
    const url = await serve((req, res) => {
      res.writeHead(200, { 'Content-Length': BODY.length });
      res.write(BODY.subarray(0, 50_000), () => setTimeout(() => res.destroy(), 20));
    });
    const root = await tmp();
    const p = params('data/raw/ravdess', { url, md5: MD5 });
    await expect(ensureDataset({ root, absPath: join(root, 'data/raw/ravdess'), params: p, log: () => {}, retries: 1, retryDelayMs: 10 }))
      .rejects.toThrow(/failed 2 times in a row[\s\S]*bytes are kept in .*ravdess\.zip\.part and the next run resumes from there/);
    expect(await readdir(join(root, 'data/raw'))).toEqual(['ravdess.zip.part']);
    // next run: the server is back and honours Range
    for (const s of servers.splice(0)) s.closeAllConnections(), s.close();
    requests.length = 0;
    const url2 = await serve(rangeServer(BODY));
    await ensureDataset({ root, absPath: join(root, 'data/raw/ravdess'), params: params('data/raw/ravdess', { url: url2, md5: MD5 }), log: () => {}, ...quick });
    expect(requests[0].range).toBe('bytes=50000-');
    expect((await readFile(join(root, 'data/raw/ravdess/Audio_Speech_Actors_01-24.zip'))).equals(BODY)).toBe(true);
    expect(await readdir(join(root, 'data/raw'))).toEqual(['ravdess']);
  });

  it('is wired as the ingest stage\'s prepare step, with progress', async () => {
    const url = await serve(rangeServer(BODY));
    const root = await tmp();
    const progress: number[] = [];
    await ingest.prepare!({
      stage: 'ingest', root, signal: new AbortController().signal, log: () => {}, progress: (d) => progress.push(d),
      params: { dataset: { path: 'raw/ravdess', download: true, verify: 'warn', url, md5: MD5 } },
    });
    expect(await readdir(join(root, 'raw/ravdess'))).toEqual(['Audio_Speech_Actors_01-24.zip']);
    expect(progress.at(-1)).toBe(BODY.length);
    // idempotent: data present, nothing fetched again
    await ingest.prepare!({ stage: 'ingest', root, signal: new AbortController().signal, log: () => {}, progress: () => {}, params: { dataset: { path: 'raw/ravdess', url, md5: MD5 } } });
    expect(requests.length).toBe(1);
  });

  it('offline: exits with a message saying exactly where to put the zip or folder', async () => {
    // A port nobody listens on: connection refused, like a machine without network.
    const url = await serve(() => {});
    const port = new URL(url).port;
    servers[0].close();
    const root = await tmp();
    const err = await ensureDataset({
      root, absPath: join(root, 'data/raw/ravdess'), params: params('data/raw/ravdess', { url: `http://127.0.0.1:${port}/x.zip` }), log: () => {}, ...quick,
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toMatch(/Download failed: cannot reach 127\.0\.0\.1:\d+ .*ECONNREFUSED.* This machine seems to be offline\./);
    expect(msg).toContain('put the official zip Audio_Speech_Actors_01-24.zip (Zenodo record 1188976, md5 bc696df654c87fed845eb13823edef8a) at data/raw/ravdess/Audio_Speech_Actors_01-24.zip');
    expect(msg).toContain('or extract it there: data/raw/ravdess/Actor_01/03-01-01-01-01-01-01.wav');
    expect(msg).toContain('--set dataset.path=<path>');
    expect(await readdir(join(root, 'data/raw'))).toEqual([]);
  });

  it('with dataset.download false, says where to put the data and downloads nothing', async () => {
    const root = await tmp();
    await expect(ensureDataset({ root, absPath: join(root, 'my.zip'), params: params('my.zip', { download: false }), log: () => {} }))
      .rejects.toThrow(/RAVDESS is not at my\.zip[\s\S]*put the official zip .* at my\.zip[\s\S]*dataset\.download is false/);
    expect(await readdir(root)).toEqual([]);
  });
});
