// What counts as a stage's code: the import graph from a real parser.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeFingerprint, parseImports, packageName } from '../../src/pipeline/codegraph.ts';
import { StateCache } from '../../src/pipeline/hash.ts';
import { edit, makeWorkspace, removeWorkspaces } from './helpers.ts';

afterAll(() => removeWorkspaces());

describe('parseImports', () => {
  it('finds value imports, re-exports, literal dynamic imports, require and new URL(…, import.meta.url)', async () => {
    const src = `
      import a from './a.ts';
      import { b, type B } from './b.ts';
      import type { T } from './types-only.ts';
      import { type U } from './types-only-2.ts';
      import * as ns from 'apache-arrow';
      import '@scope/pkg/sub/path';
      export { c } from './c.ts';
      export type { D } from './d-types.ts';
      export * from './e.ts';
      const lazy = await import('./lazy.ts');
      const notLiteral = await import(someVar);
      const req = require('./cjs.cjs');
      const worker = new URL('../src/audio/tasks.ts', import.meta.url);
      const other = new URL('./x.ts', 'file:///elsewhere/');
      const remote = new URL('https://example.com/x.ts', import.meta.url);
      type Lazy = typeof import('./type-position.ts');
      // import x from './in-comment.ts';
      const s = "import y from './in-string.ts'";
      const t = \`new URL('./in-template.ts', import.meta.url)\`;
      let v: number = 1;
    `;
    const r = await parseImports('/x/stage.ts', src);
    expect(r.imports.sort()).toEqual(['./a.ts', './b.ts', './c.ts', './cjs.cjs', './e.ts', './lazy.ts', '@scope/pkg/sub/path', 'apache-arrow'].sort());
    expect(r.urls).toEqual(['../src/audio/tasks.ts']);
  });

  it('hashes what runs: comments and types do not count, code does', async () => {
    const base = await parseImports('/x/a.ts', 'import { f } from "./f.ts";\nexport function g(x: number): number {\n  return f(x) + 1;\n}\n');
    const commented = await parseImports('/x/a.ts', '// header\nimport { f } from "./f.ts";\n/** doc */\nexport function g(x: number /* n */): Array<number> | number {\n  return f(x) + 1; // why\n}\n');
    const changed = await parseImports('/x/a.ts', 'import { f } from "./f.ts";\nexport function g(x: number): number {\n  return f(x) + 2;\n}\n');
    expect(commented.runtimeHash).toBe(base.runtimeHash);
    expect(changed.runtimeHash).not.toBe(base.runtimeHash);
  });

  it('package names drop subpaths, keep scopes', () => {
    expect(packageName('@tensorflow/tfjs-core/dist/x')).toBe('@tensorflow/tfjs-core');
    expect(packageName('yaml/util')).toBe('yaml');
  });
});

describe('codeFingerprint', () => {
  it('covers the stage file, local imports, new URL task modules and package versions, not type-only or unused modules', async () => {
    const ws = await makeWorkspace();
    const state = await StateCache.load(ws);
    const gen = await codeFingerprint(ws, join(ws, 'stages/gen.ts'), state);
    expect(Object.keys(gen.files)).toEqual(['lib/tasks.ts', 'lib/util.ts', 'stages/gen.ts']);
    expect(gen.packages).toEqual({});
    const square = await codeFingerprint(ws, join(ws, 'stages/square.ts'), state);
    expect(Object.keys(square.files)).toEqual(['lib/math.ts', 'stages/square.ts']);
    expect(square.packages).toEqual({ yaml: '2.9.1' });
  });

  it('follows transitive imports, handles cycles, and reports unresolvable ones', async () => {
    const ws = await makeWorkspace();
    await edit(ws, 'lib/util.ts', (t) => `import { NOTHING } from './unused.ts';\nexport const N = NOTHING;\n${t}`);
    await edit(ws, 'lib/unused.ts', (t) => `import './util.ts';\n${t}`);
    const state = await StateCache.load(ws);
    const gen = await codeFingerprint(ws, join(ws, 'stages/gen.ts'), state);
    expect(Object.keys(gen.files)).toEqual(['lib/tasks.ts', 'lib/unused.ts', 'lib/util.ts', 'stages/gen.ts']);
    await edit(ws, 'lib/unused.ts', (t) => `import './missing.ts';\n${t}`);
    await expect(codeFingerprint(ws, join(ws, 'stages/gen.ts'), state)).rejects.toThrow(/lib\/unused.ts: cannot resolve import '.\/missing.ts'/);
  });

  it('uses cached parse results for unchanged files', async () => {
    const ws = await makeWorkspace();
    const s1 = await StateCache.load(ws);
    await codeFingerprint(ws, join(ws, 'stages/gen.ts'), s1);
    await s1.save();
    const s2 = await StateCache.load(ws);
    await codeFingerprint(ws, join(ws, 'stages/gen.ts'), s2);
    expect(s2.hashedCount).toBe(0);
  });
});
