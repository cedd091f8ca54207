// The state cache: a file is rehashed only when its path, size, mtime or inode change.
import { mkdtemp, mkdir, writeFile, rm, utimes, stat, rename, copyFile, unlink } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StateCache, dirHash, hashPath } from '../../src/pipeline/hash.ts';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function dataset(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'ser-hash-'));
  dirs.push(root);
  const data = join(root, 'data');
  await mkdir(join(data, 'Actor_01'), { recursive: true });
  await mkdir(join(data, 'Actor_02'));
  await writeFile(join(data, 'Actor_01', 'a.wav'), 'aaaa');
  await writeFile(join(data, 'Actor_01', 'b.wav'), 'bbbb');
  await writeFile(join(data, 'Actor_02', 'c.wav'), 'cccc');
  return root;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('state cache', () => {
  it('hashes a directory as sorted (relative path, sha256) pairs', async () => {
    const root = await dataset();
    const h = await hashPath(join(root, 'data'), await StateCache.load(root));
    expect(h).toEqual({
      kind: 'dir',
      files: 3,
      bytes: 12,
      hash: dirHash([
        { rel: 'Actor_01/a.wav', sha256: sha('aaaa') },
        { rel: 'Actor_01/b.wav', sha256: sha('bbbb') },
        { rel: 'Actor_02/c.wav', sha256: sha('cccc') },
      ]),
    });
  });

  it('does not rehash unchanged files (path, size, mtime, inode), across processes', async () => {
    const root = await dataset();
    const s1 = await StateCache.load(root);
    const h1 = await hashPath(join(root, 'data'), s1);
    expect(s1.hashedCount).toBe(3);
    await s1.save();
    const s2 = await StateCache.load(root); // as a new process would
    const h2 = await hashPath(join(root, 'data'), s2);
    expect(s2.hashedCount).toBe(0);
    expect(h2.hash).toBe(h1.hash);
  });

  it('rehashes a file whose content changed (same size) and changes the dir hash', async () => {
    const root = await dataset();
    const s = await StateCache.load(root);
    const h1 = await hashPath(join(root, 'data'), s);
    const f = join(root, 'data', 'Actor_01', 'a.wav');
    const before = await stat(f);
    await writeFile(f, 'AAAA');
    await utimes(f, before.atime, new Date(before.mtimeMs + 5000));
    s.hashedCount = 0;
    const h2 = await hashPath(join(root, 'data'), s);
    expect(s.hashedCount).toBe(1);
    expect(h2.hash).not.toBe(h1.hash);
  });

  it('rehashes when only the inode changed (file replaced, mtime restored)', async () => {
    const root = await dataset();
    const s = await StateCache.load(root);
    const h1 = await hashPath(join(root, 'data'), s);
    const f = join(root, 'data', 'Actor_02', 'c.wav');
    const st = await stat(f);
    await copyFile(f, `${f}.new`);
    await unlink(f);
    await rename(`${f}.new`, f);
    await utimes(f, st.atime, st.mtime);
    expect((await stat(f)).ino).not.toBe(st.ino);
    s.hashedCount = 0;
    const h2 = await hashPath(join(root, 'data'), s);
    expect(s.hashedCount).toBe(1);
    expect(h2.hash).toBe(h1.hash); // same content, same hash
  });

  it('a renamed or added file changes the directory hash', async () => {
    const root = await dataset();
    const s = await StateCache.load(root);
    const h1 = await hashPath(join(root, 'data'), s);
    await rename(join(root, 'data', 'Actor_02', 'c.wav'), join(root, 'data', 'Actor_02', 'd.wav'));
    const h2 = await hashPath(join(root, 'data'), s);
    expect(h2.hash).not.toBe(h1.hash);
    await writeFile(join(root, 'data', 'new.wav'), '');
    const h3 = await hashPath(join(root, 'data'), s);
    expect(h3.files).toBe(4);
    expect(h3.hash).not.toBe(h2.hash);
  });

  it('hashes a single file path to its sha256', async () => {
    const root = await dataset();
    const h = await hashPath(join(root, 'data', 'Actor_01', 'b.wav'), await StateCache.load(root));
    expect(h).toEqual({ kind: 'file', hash: sha('bbbb'), files: 1, bytes: 4 });
  });

  it('treats a corrupt state file as empty', async () => {
    const root = await dataset();
    await mkdir(join(root, '.ser'));
    await writeFile(join(root, '.ser', 'state.json'), '{not json');
    const s = await StateCache.load(root);
    await hashPath(join(root, 'data'), s);
    expect(s.hashedCount).toBe(3);
  });
});
