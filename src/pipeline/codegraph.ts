// A stage's code, for its cache key: the stage file plus every local module it reaches
// through static imports/exports, dynamic `import('literal')`, `require('literal')` and
// `new URL('<relative>', import.meta.url)` (how stages point the worker pool at task
// modules; such files are hashed, and parsed too when they are code). Type-only
// imports are skipped (erased at run time). node_modules are not hashed: instead the
// version of every package imported anywhere in the graph is taken from
// package-lock.json.
//
// Files are parsed with the TypeScript compiler's parser (a real AST, so comments and
// strings never produce false imports). A code file's hash is the sha256 of the
// JavaScript that actually runs — the file transpiled by TypeScript with types and
// comments removed — so an edit to a comment or a type annotation reruns nothing,
// while any change to executed code does. Other files (JSON, data tables, wasm) are
// hashed as bytes. Parsing needs the typescript module (~1 s to load), so results are
// cached in the state cache by the file's content hash: an unchanged graph costs one
// stat per file.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { createHash } from 'node:crypto';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StateCache } from './hash.ts';
import { listFiles } from './hash.ts';

const PARSER_VERSION = 2;
const CODE_EXT = new Set(['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.jsx']);

export interface FileImports {
  /** Module specifiers (relative, absolute or bare) imported for their values. */
  imports: string[];
  /** Relative specifiers of `new URL(x, import.meta.url)`. */
  urls: string[];
  /** sha256 of the emitted JavaScript (no types, no comments). */
  runtimeHash: string;
}

export interface CodeFingerprint {
  /** Project-relative path -> sha256, for every local file of the graph. */
  files: Record<string, string>;
  /** Package name -> resolved version (package-lock.json). */
  packages: Record<string, string>;
}

export class CodeGraphError extends Error {}

type TS = typeof import('typescript');
let tsModule: TS | undefined;
async function loadTs(): Promise<TS> {
  tsModule ??= ((await import('typescript')) as unknown as { default: TS }).default;
  return tsModule;
}

/** Parse one module's imports (exported for tests). */
export async function parseImports(fileName: string, text: string): Promise<FileImports> {
  const ts = await loadTs();
  const ext = extname(fileName);
  const kind = ext === '.tsx' ? ts.ScriptKind.TSX : ext === '.jsx' ? ts.ScriptKind.JSX : ['.js', '.mjs', '.cjs'].includes(ext) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, kind);
  const imports: string[] = [];
  const urls: string[] = [];
  const literal = (n: import('typescript').Node | undefined): string | undefined =>
    n && (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) ? n.text : undefined;

  const visit = (node: import('typescript').Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const typeOnly =
        clause?.isTypeOnly ||
        (clause && !clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly));
      const spec = literal(node.moduleSpecifier);
      if (spec && !typeOnly) imports.push(spec);
      return;
    }
    if (ts.isExportDeclaration(node)) {
      const typeOnly = node.isTypeOnly || (node.exportClause && ts.isNamedExports(node.exportClause) && node.exportClause.elements.length > 0 && node.exportClause.elements.every((e) => e.isTypeOnly));
      const spec = literal(node.moduleSpecifier);
      if (spec && !typeOnly) imports.push(spec);
      return;
    }
    if (ts.isImportEqualsDeclaration(node) && !node.isTypeOnly && ts.isExternalModuleReference(node.moduleReference)) {
      const spec = literal(node.moduleReference.expression);
      if (spec) imports.push(spec);
      return;
    }
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      const spec = literal(node.arguments[0]);
      if ((isImport || isRequire) && spec) imports.push(spec);
    }
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'URL' && node.arguments?.length === 2) {
      const spec = literal(node.arguments[0]);
      const base = node.arguments[1];
      const isMetaUrl =
        ts.isPropertyAccessExpression(base) && base.name.text === 'url' && ts.isMetaProperty(base.expression) && base.expression.keywordToken === ts.SyntaxKind.ImportKeyword;
      if (spec && isMetaUrl && !/^[a-z][a-z0-9+.-]*:/i.test(spec)) urls.push(spec);
    }
    if (ts.isTypeNode(node)) return; // `import('x').T` in a type is erased
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { imports: [...new Set(imports)], urls: [...new Set(urls)], runtimeHash: runtimeHash(ts, fileName, text) };
}

/** sha256 of what runs: the module transpiled to ESNext with types and comments removed. */
function runtimeHash(ts: TS, fileName: string, text: string): string {
  const out = ts.transpileModule(text, {
    fileName,
    reportDiagnostics: false,
    compilerOptions: {
      target: ts.ScriptTarget.ESNext,
      module: ts.ModuleKind.ESNext,
      removeComments: true,
      sourceMap: false,
      inlineSourceMap: false,
      jsx: ts.JsxEmit.Preserve,
      // Keep every import: with elision, deleting a value import's only use would
      // also delete the import (its side effects) without any other visible change.
      verbatimModuleSyntax: true,
    },
  });
  return createHash('sha256').update(out.outputText).digest('hex');
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
export function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function resolveLocal(fromFile: string, spec: string): string | undefined {
  const base = spec.startsWith('file:') ? fileURLToPath(spec) : resolve(dirname(fromFile), spec);
  const candidates = [base];
  const ext = extname(base);
  if (['.js', '.mjs', '.cjs', '.jsx'].includes(ext)) candidates.push(base.slice(0, -ext.length) + { '.js': '.ts', '.mjs': '.mts', '.cjs': '.cts', '.jsx': '.tsx' }[ext]);
  if (!ext) candidates.push(`${base}.ts`, `${base}.js`, join(base, 'index.ts'), join(base, 'index.js'));
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

const lockCache = new Map<string, { mtimeMs: number; packages: Record<string, { version?: string }> }>();

/** Resolved version of a package: package-lock.json, else its installed package.json. */
export function packageVersion(root: string, name: string): string {
  const lockPath = join(root, 'package-lock.json');
  try {
    const mtimeMs = statSync(lockPath).mtimeMs;
    let cached = lockCache.get(lockPath);
    if (!cached || cached.mtimeMs !== mtimeMs) {
      const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as { packages?: Record<string, { version?: string }> };
      cached = { mtimeMs, packages: lock.packages ?? {} };
      lockCache.set(lockPath, cached);
    }
    const v = cached.packages[`node_modules/${name}`]?.version;
    if (v) return v;
  } catch {
    // no lock file: fall through
  }
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * The code fingerprint of the module graph rooted at `entry` (absolute path).
 * Throws CodeGraphError when a local import cannot be resolved.
 */
export async function codeFingerprint(root: string, entry: string, state: StateCache): Promise<CodeFingerprint> {
  const files: Record<string, string> = {};
  const packages = new Set<string>();
  const seen = new Set<string>();
  const rel = (abs: string) => relative(root, abs).split(sep).join('/');

  const visit = async (abs: string, parse: boolean): Promise<void> => {
    if (seen.has(abs)) return;
    seen.add(abs);
    const st = await stat(abs, { bigint: true });
    if (st.isDirectory()) {
      // `new URL('./assets/', import.meta.url)`: every file under it counts.
      for (const f of await listFiles(abs)) files[rel(f.abs)] = await state.hashFile(f.abs, f.st);
      return;
    }
    const sha = await state.hashFile(abs, st);
    files[rel(abs)] = sha;
    if (!parse || !CODE_EXT.has(extname(abs))) return;
    const cacheKey = `v${PARSER_VERSION}:${extname(abs)}:${sha}`;
    let parsed = state.getImports<FileImports>(cacheKey);
    if (!parsed) {
      parsed = await parseImports(abs, readFileSync(abs, 'utf8'));
      state.setImports(cacheKey, parsed);
    }
    files[rel(abs)] = parsed.runtimeHash;
    for (const spec of parsed.imports) {
      if (spec.startsWith('node:') || isBuiltin(spec)) continue;
      if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('file:')) {
        const target = resolveLocal(abs, spec);
        if (!target) throw new CodeGraphError(`${rel(abs)}: cannot resolve import '${spec}' (no such file)`);
        await visit(target, true);
      } else if (!spec.startsWith('#')) {
        packages.add(packageName(spec));
      }
    }
    for (const spec of parsed.urls) {
      const target = resolve(dirname(abs), spec);
      if (!existsSync(target)) {
        // A reference to something not there (yet): recorded, so creating it reruns.
        files[rel(target)] = 'missing';
        continue;
      }
      await visit(target, true);
    }
  };
  await visit(entry, true);

  const sortedFiles: Record<string, string> = {};
  for (const k of Object.keys(files).sort()) sortedFiles[k] = files[k];
  const pk: Record<string, string> = {};
  for (const name of [...packages].sort()) pk[name] = packageVersion(root, name);
  return { files: sortedFiles, packages: pk };
}
