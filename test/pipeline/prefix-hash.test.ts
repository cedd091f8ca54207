// PrefixHasher (hashing a file while it is written) and hashOutputs' use of hashes a
// stage reported (StageContext.outputHashed): only while the file is unchanged.
import { closeSync, openSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PrefixHasher, sha256 } from '../../src/pipeline/hash.ts';
import { hashOutputs } from '../../src/pipeline/store.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
const tmp = async () => {
  const d = await mkdtemp(join(tmpdir(), 'ser-prefix-'));
  dirs.push(d);
  return d;
};

describe('PrefixHasher', () => {
  it('hashes the bytes read back from the file, written in pieces and renamed while hashing', async () => {
    const dir = await tmp();
    const path = join(dir, '.x.tmp');
    const data = Buffer.alloc(9 * 1024 * 1024 + 123);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 255;
    const fd = openSync(path, 'w');
    writeSync(fd, data, 0, 100, 0); // header first, then holes filled in order
    const h = new PrefixHasher(path);
    for (let at = 100; at < data.length - 50; at += 1_000_000) {
      const end = Math.min(at + 1_000_000, data.length - 50);
      writeSync(fd, data, at, end - at, at);
      h.advance(end);
    }
    writeSync(fd, data, data.length - 50, 50, data.length - 50); // footer
    closeSync(fd);
    renameSync(path, join(dir, 'x'));
    const r = await h.finish();
    expect(r).toEqual({ sha256: sha256(data), size: data.length });
  });

  it('fails when the file is shorter than a prefix it was told is final', async () => {
    const dir = await tmp();
    const path = join(dir, 'y');
    writeFileSync(path, 'abc');
    const h = new PrefixHasher(path);
    h.advance(10);
    await expect(h.finish()).rejects.toThrow(/ends at 3 bytes/);
  });
});

describe('hashOutputs with hashes a stage reported', () => {
  it('uses a reported hash only while size, mtime, ctime and inode are unchanged', async () => {
    const dir = await tmp();
    await writeFile(join(dir, 'a.bin'), 'hello');
    const st = statSync(join(dir, 'a.bin'), { bigint: true });
    const fake = 'f'.repeat(64);
    // Unchanged: the reported hash is used (the stage vouches it read these bytes).
    expect((await hashOutputs(dir, new Map([['a.bin', { sha256: fake, st }]])))[0].sha256).toBe(fake);
    // Modified after it was reported: hashed again from the bytes.
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(join(dir, 'a.bin'), 'jello');
    expect((await hashOutputs(dir, new Map([['a.bin', { sha256: fake, st }]])))[0].sha256).toBe(sha256('jello'));
  });
});
