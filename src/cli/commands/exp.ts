// `ser exp …`: named experiments — run variants of the pipeline side by side, compare
// them with evidence, and gate CI on a committed baseline. The logic is in
// src/experiments/; this file parses arguments and prints.
import { defineCommand, parseCommandArgs, setOption, UsageError, type CommandIO } from '../command.ts';

const USAGE = `ser exp <run|show|list|diff|export|rm> …
  ser exp run <name> [--set k=v]… [--stage <stage>]… [--force] [--rerun] [-j N] [--no-wait]
      Run the pipeline with the overrides, reusing every cached stage whose key is unchanged,
      and record artifacts/experiments/<name>.json: params (full and changed), git commit and
      dirty flag, artifact key per stage instance, metrics.json of evaluate (null when
      --stage stops earlier), backend, durations. pipeline.lock is not touched.
      --stage S   run only up to stage S (repeatable)   --force   replace an existing record
      --rerun     recompute the stages even when cached  (also -j N, --no-wait as in ser run)
  ser exp show [name…] [--json | --md]
      Experiments × accuracy, macro-F1, UAR, gender gap (F − M accuracy), changed params, and
      the artifact key of every stage (equal keys = shared artifacts).
  ser exp list                     names, dates, commits, accuracy
  ser exp diff <a> <b> [--md | --json] [--fail-if EXPR]… [--all] [--boot N] [--seed S]
  ser exp diff --baseline <file> <b> …
      Param differences, metric deltas (b − a) overall / per gender / per class, and whether
      the accuracy difference is significant: McNemar's test (exact and mid-p) on the clips'
      correct/incorrect pairs and a paired bootstrap over actors. Refuses two different test
      sets. --baseline compares with a file made by \`ser exp export\` (or a metrics.json).
      --fail-if "<metric path> <op> <number>" (delta b − a by default; rel(), abs(), a(), b();
      "and" within one, "," or repeated flags for several; significance.mcnemar.p_mid, …):
      exit 1 when any condition holds. --all adds per-intensity and per-fold rows.
      Exit codes: 0 ok, 1 gate failed, 2 usage error, 3 cannot compare.
  ser exp export <name> [--out <file>]   write a baseline (metrics + per-clip predictions)
  ser exp rm <name>…                     delete records (then \`ser gc\` frees their artifacts)`;

export default defineCommand({
  name: 'exp',
  summary: 'experiments: run variants with --set, show and diff them (significance, --fail-if gate)',
  usage: USAGE,
  async run(args, io) {
    return cliErrors(io, 'exp', USAGE, () => dispatch(args, io));
  },
});

/**
 * Usage and pipeline.yaml errors → message + exit 2 here, not in main(): when bin/ser.mjs
 * runs the engine from its bundle, this file's UsageError / PipelineConfigError are other
 * class instances than main()'s, so its instanceof checks would miss them (exit 1, no usage).
 */
export async function cliErrors(io: CommandIO, name: string, usage: string, f: () => Promise<number>): Promise<number> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`ser ${name}: ${err.message}\n\nusage: ${usage}\n`);
      return 2;
    }
    if (err instanceof Error && err.name === 'PipelineConfigError') {
      io.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

async function dispatch(args: string[], io: CommandIO): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'run':
      return expRun(rest, io);
    case 'show':
      return expShow(rest, io);
    case 'list':
    case 'ls':
      return expList(rest, io);
    case 'diff':
      return expDiff(rest, io);
    case 'export':
      return expExport(rest, io);
    case 'rm':
    case 'remove':
      return expRm(rest, io);
    case undefined:
      throw new UsageError('give a subcommand: run, show, list, diff, export or rm');
    default:
      throw new UsageError(`unknown subcommand '${sub}' (expected run, show, list, diff, export or rm)`);
  }
}

async function root(io: CommandIO): Promise<string> {
  const { findRoot } = await import('../../pipeline/config.ts');
  return findRoot(io.cwd);
}

/** ExperimentError → message and exit code `code` (not a crash with a stack). */
async function guarded(io: CommandIO, what: string, code: number, f: () => Promise<number>): Promise<number> {
  const { ExperimentError } = await import('../../experiments/record.ts');
  try {
    return await f();
  } catch (err) {
    if (err instanceof ExperimentError) {
      io.stderr.write(`ser exp ${what}: ${err.message}\n`);
      return code;
    }
    throw err;
  }
}

async function expRun(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    ...setOption,
    stage: { type: 'string', multiple: true },
    force: { type: 'boolean', short: 'f' },
    rerun: { type: 'boolean' },
    jobs: { type: 'string', short: 'j' },
    'no-wait': { type: 'boolean' },
  });
  if (positionals.length !== 1) throw new UsageError(`exp run needs exactly one experiment name, got ${positionals.length ? positionals.join(' ') : 'none'}`);
  const name = positionals[0];
  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs > 0)) throw new UsageError(`-j expects a positive integer, got '${values.jobs}'`);
  const { envOverrides, parseOverride, loadPipeline, checkStageNames } = await import('../../pipeline/config.ts');
  const r = await root(io);
  const overrides = [...envOverrides(io.env), ...(values.set ?? []).map((s) => parseOverride(s, '--set'))];
  const targets = values.stage ?? [];
  if (targets.length) checkStageNames(loadPipeline(r, { overrides }), targets);
  const { runExperiment } = await import('../../experiments/run.ts');
  const { reporterFor } = await import('../../pipeline/progress.ts');
  const { textTable, changeText, f3, signed3 } = await import('../../experiments/render.ts');
  const { shortCommit } = await import('../../experiments/git.ts');
  const reporter = reporterFor(io.stdout, io.stderr);
  return guarded(io, 'run', 1, async () => {
    try {
      const { record, path } = await runExperiment({
        root: r, name, overrides, targets, overwrite: values.force, rerun: values.rerun, jobs, wait: !values['no-wait'],
        reporter, signal: io.signal, command: ['ser', 'exp', 'run', ...args].join(' '),
      });
      reporter.close();
      const changed = record.params_changed.map(changeText);
      io.stdout.write(`\nexperiment '${record.name}' — git ${shortCommit(record.git)}${record.git?.dirty ? ' (uncommitted changes)' : ''}; ${changed.length ? `changed: ${changed.join(', ')}` : 'pipeline.yaml defaults'}\n`);
      io.stdout.write(
        textTable(
          ['stage', 'outcome', 'key', 'seconds'],
          record.stages.map((s) => [s.id, s.outcome === 'ran' ? 'ran' : 'reused', s.key.slice(0, 12), s.outcome === 'ran' ? s.seconds.toFixed(1) : '0.0']),
        ) + '\n',
      );
      const ran = record.stages.filter((s) => s.outcome === 'ran').length;
      io.stdout.write(`${ran} ran, ${record.stages.length - ran} reused from the cache, in ${record.duration_s.toFixed(1)} s${record.backend ? `; backend ${record.backend}` : ''}\n`);
      const m = record.metrics;
      io.stdout.write(m ? `metrics: accuracy ${f3(m.accuracy)}, macro-F1 ${f3(m.macro_f1)}, UAR ${f3(m.uar)}, gender gap (F − M accuracy) ${signed3(m.bias.accuracy?.diff)} on ${m.n} test clips\n` : 'metrics: none (the experiment stopped before evaluate)\n');
      io.stdout.write(`recorded ${path.startsWith(r + '/') ? path.slice(r.length + 1) : path} (pipeline.lock unchanged)\n`);
      return 0;
    } finally {
      reporter.close();
      const { destroySharedPool } = await import('../../pipeline/pool.ts');
      await destroySharedPool();
    }
  });
}

async function expShow(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals: names } = parseCommandArgs(args, { json: { type: 'boolean' }, md: { type: 'boolean' } });
  const positionals = names as string[];
  if (values.json && values.md) throw new UsageError('--json and --md exclude each other');
  const { loadAllExperiments } = await import('../../experiments/record.ts');
  const render = await import('../../experiments/render.ts');
  return guarded(io, 'show', 1, async () => {
    const { records: all, problems } = await loadAllExperiments(await root(io));
    for (const p of problems) io.stderr.write(`warning: ${p}\n`);
    const unknown = positionals.filter((n) => !all.some((r) => r.name === n));
    if (unknown.length) throw new (await import('../../experiments/record.ts')).ExperimentError(`no experiment ${unknown.map((n) => `'${n}'`).join(', ')} (experiments: ${all.map((r) => r.name).join(', ') || 'none'})`);
    const records = positionals.length ? all.filter((r) => positionals.includes(r.name)) : all;
    if (values.json) io.stdout.write(JSON.stringify(render.showRows(records), null, 2) + '\n');
    else if (values.md) io.stdout.write(render.renderShowMarkdown(records) + '\n');
    else io.stdout.write(render.renderShowText(records) + '\n');
    return 0;
  });
}

async function expList(args: string[], io: CommandIO): Promise<number> {
  parseCommandArgs(args, {}, false);
  const { loadAllExperiments } = await import('../../experiments/record.ts');
  const { renderList } = await import('../../experiments/render.ts');
  const { records, problems } = await loadAllExperiments(await root(io));
  for (const p of problems) io.stderr.write(`warning: ${p}\n`);
  io.stdout.write(renderList(records) + '\n');
  return 0;
}

function positiveInt(v: string | undefined, flag: string, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} expects an integer ≥ ${min}, got '${v}'`);
  return n;
}

async function expDiff(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    baseline: { type: 'string' },
    md: { type: 'boolean' },
    json: { type: 'boolean' },
    'fail-if': { type: 'string', multiple: true },
    all: { type: 'boolean' },
    boot: { type: 'string' },
    seed: { type: 'string' },
  });
  if (values.json && values.md) throw new UsageError('--json and --md exclude each other');
  const want = values.baseline ? 1 : 2;
  if (positionals.length !== want) {
    throw new UsageError(values.baseline ? `with --baseline give one experiment to compare with it, got ${positionals.length}` : `exp diff needs two experiment names (a b), or --baseline <file> and one name; got ${positionals.length}`);
  }
  const nBoot = positiveInt(values.boot, '--boot', 2000);
  const seed = positiveInt(values.seed, '--seed', 0, 0);
  const { parseGate, evaluateGate, GateSyntaxError } = await import('../../experiments/failif.ts');
  let conditions;
  try {
    conditions = parseGate(values['fail-if'] ?? []);
  } catch (err) {
    if (err instanceof GateSyntaxError) throw new UsageError(err.message);
    throw err;
  }
  const cmp = await import('../../experiments/comparison.ts');
  const render = await import('../../experiments/render.ts');
  const { resolve } = await import('node:path');
  return guarded(io, 'diff', 3, async () => {
    const r = await root(io);
    const a = values.baseline ? await cmp.baselineSide(resolve(io.cwd, values.baseline), values.baseline) : await cmp.experimentSide(r, positionals[0]);
    const b = await cmp.experimentSide(r, positionals[want - 1]);
    const c = cmp.compareSides(a, b, { nBoot, seed });
    let gate;
    try {
      gate = conditions.length ? evaluateGate(conditions, { a: a.metrics, b: b.metrics, significance: c.significance }) : undefined;
    } catch (err) {
      if (err instanceof GateSyntaxError) throw new UsageError(err.message);
      throw err;
    }
    if (values.json) io.stdout.write(JSON.stringify({ ...c, gate: gate ?? null }, null, 2) + '\n');
    else if (values.md) io.stdout.write(render.renderDiffMarkdown(c, gate));
    else io.stdout.write(render.renderDiffText(c, gate, { all: values.all }) + '\n');
    if (gate?.failed) {
      for (const cond of gate.conditions.filter((x) => x.holds)) {
        io.stderr.write(`ser exp diff: regression gate failed: ${cond.text} — ${cond.clauses.map((x) => x.describe).join(' and ')}\n`);
      }
      return 1;
    }
    return 0;
  });
}

async function expExport(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { out: { type: 'string', short: 'o' } });
  if (positionals.length !== 1) throw new UsageError('exp export needs one experiment name');
  const { loadExperiment } = await import('../../experiments/record.ts');
  const { experimentClips } = await import('../../experiments/paired.ts');
  const { makeBaseline, formatBaseline, writeBaseline } = await import('../../experiments/baseline.ts');
  const { resolve } = await import('node:path');
  return guarded(io, 'export', 1, async () => {
    const r = await root(io);
    const rec = await loadExperiment(r, positionals[0]);
    const { clips, note } = await experimentClips(r, rec);
    if (!clips) io.stderr.write(`warning: ${note}; the baseline will hold metrics only (no significance tests against it)\n`);
    const b = makeBaseline(rec, clips);
    if (!values.out) {
      io.stdout.write(formatBaseline(b));
      return 0;
    }
    await writeBaseline(resolve(io.cwd, values.out), b);
    io.stdout.write(`wrote ${values.out}: baseline '${rec.name}' (${b.metrics.n} test clips${clips ? ', per-clip predictions included' : ''}; accuracy ${b.metrics.accuracy?.toFixed(3) ?? '—'})\n`);
    return 0;
  });
}

async function expRm(args: string[], io: CommandIO): Promise<number> {
  const { positionals } = parseCommandArgs(args, {});
  if (!positionals.length) throw new UsageError('exp rm needs at least one experiment name');
  const { removeExperiment } = await import('../../experiments/record.ts');
  return guarded(io, 'rm', 1, async () => {
    const r = await root(io);
    for (const n of positionals) {
      await removeExperiment(r, n);
      io.stdout.write(`removed experiment '${n}'\n`);
    }
    io.stdout.write('its artifacts stay until `npx ser gc` (unless pipeline.lock or another experiment uses them)\n');
    return 0;
  });
}
