// `ser report --compare <a> <b>`: b's HTML report with a comparison section first
// (src/report/compare.ts). The pipeline's own report is the report stage's
// artifacts/report.html (`ser run report`).
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { defineCommand, parseCommandArgs, UsageError, type CommandIO } from '../command.ts';
import { cliErrors } from './exp.ts';

const USAGE = `ser report --compare <a> <b> [--out <file.html>] [--boot N] [--seed S]
  Writes b's report page (self-contained HTML: inline SVG, no scripts, no requests) with a
  comparison section first: side-by-side confusion matrices, the matrix of count changes,
  metric deltas overall / per gender / per class, McNemar's test and the actor bootstrap
  (as \`ser exp diff\`), the params that differ. <a> is an experiment name or a baseline
  file (\`ser exp export\`, e.g. metrics/baseline.json); <b> is an experiment. Default
  output: artifacts/compare-<a>-vs-<b>.html; the path is printed.
  The pipeline's own report is artifacts/report.html, made by \`npx ser run report\`.`;

export default defineCommand({
  name: 'report',
  summary: 'HTML report comparing two experiments: ser report --compare <a> <b>',
  usage: USAGE,
  async run(args, io) {
    return cliErrors(io, 'report', USAGE, () => compareReport(args, io));
  },
});

async function compareReport(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    compare: { type: 'boolean' },
    out: { type: 'string', short: 'o' },
    boot: { type: 'string' },
    seed: { type: 'string' },
  });
  const { findRoot } = await import('../../pipeline/config.ts');
  const root = findRoot(io.cwd);
  if (!values.compare) {
    const page = resolve(root, 'artifacts', 'report.html');
    if (positionals.length) throw new UsageError('to compare two experiments use --compare <a> <b>');
    io.stdout.write(existsSync(page) ? `${relative(io.cwd, page) || page}\n` : 'no report yet: run `npx ser run report` (or `make pipeline`)\n');
    return existsSync(page) ? 0 : 1;
  }
  if (positionals.length !== 2) throw new UsageError(`--compare needs two experiments (a b), got ${positionals.length}`);
  const int = (v: string | undefined, flag: string, d: number, min: number) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} expects an integer ≥ ${min}, got '${v}'`);
    return n;
  };
  const nBoot = int(values.boot, '--boot', 2000, 1);
  const seed = int(values.seed, '--seed', 0, 0);
  const [aRef, bRef] = positionals;
  const { ExperimentError, experimentExists } = await import('../../experiments/record.ts');
  const cmp = await import('../../experiments/comparison.ts');
  const { experimentReportInput } = await import('../../experiments/report-input.ts');
  const { renderComparisonReport } = await import('../../report/compare.ts');
  try {
    const isFile = (ref: string) => !experimentExists(root, ref) && (ref.includes('/') || ref.endsWith('.json')) && existsSync(resolve(io.cwd, ref));
    const a = isFile(aRef) ? await cmp.baselineSide(resolve(io.cwd, aRef), aRef) : await cmp.experimentSide(root, aRef);
    const b = await cmp.experimentSide(root, bRef);
    const c = cmp.compareSides(a, b, { nBoot, seed });
    const html = await renderComparisonReport(await experimentReportInput(root, b.record!), c, a.metrics, b.metrics);
    const safe = (s: string) => s.replace(/^.*\//, '').replace(/\.json$/, '').replace(/[^A-Za-z0-9._-]/g, '_');
    const out = values.out ? resolve(io.cwd, values.out) : resolve(root, 'artifacts', `compare-${safe(aRef)}-vs-${safe(bRef)}.html`);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, html);
    io.stdout.write(`${relative(io.cwd, out) || out}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ExperimentError) {
      io.stderr.write(`ser report: ${err.message}\n`);
      return err instanceof cmp.NotComparableError ? 3 : 1;
    }
    throw err;
  }
}
