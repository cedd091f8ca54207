import { defineCommand, loadPipelineFromArgs, parseCommandArgs, setOption, UsageError } from '../command.ts';

export default defineCommand({
  name: 'run',
  summary: 'bring stages up to date (all, or <stage> and what it needs)',
  usage: `ser run [stage…] [options]
  Runs every stale stage instance (or the named stages and their stale upstream).
  --only            run just the named stage(s), from upstream artifacts already made
  --force, -f       rerun the named stages (all when none named) even when fresh
  --dry, -n         print what would run and why; run nothing
  --set, -s k=v     override a param for this run (YAML value; repeatable); also env SER_SET="k=v;k2=v2"
  --jobs, -j N      at most N stage instances at once (default: number of cores)
  --no-wait         fail at once if another run holds the workspace (default: wait)
  --wait-timeout S  give up waiting after S seconds (default 600)`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      only: { type: 'boolean' },
      force: { type: 'boolean', short: 'f' },
      dry: { type: 'boolean', short: 'n' },
      jobs: { type: 'string', short: 'j' },
      'no-wait': { type: 'boolean' },
      'wait-timeout': { type: 'string' },
      ...setOption,
    });
    const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
    if (jobs !== undefined && !(Number.isInteger(jobs) && jobs > 0)) throw new UsageError(`-j expects a positive integer, got '${values.jobs}'`);
    const waitTimeoutS = values['wait-timeout'] === undefined ? undefined : Number(values['wait-timeout']);
    if (waitTimeoutS !== undefined && !(waitTimeoutS >= 0)) throw new UsageError(`--wait-timeout expects seconds, got '${values['wait-timeout']}'`);
    const pipeline = loadPipelineFromArgs(io, values.set);
    const { runPipeline } = await import('../../pipeline/runner.ts');
    const { reporterFor } = await import('../../pipeline/progress.ts');
    const reporter = reporterFor(io.stdout, io.stderr);
    try {
      const summary = await runPipeline(pipeline, {
        targets: positionals,
        only: values.only,
        force: values.force,
        dry: values.dry,
        jobs,
        wait: !values['no-wait'],
        waitTimeoutS,
        reporter,
        signal: io.signal,
        command: ['ser', 'run', ...args].join(' '),
      });
      reporter.close();
      if (!summary.ok) {
        const failed = summary.results.filter((r) => r.outcome === 'failed');
        for (const f of failed) io.stderr.write(`ser run: ${f.error?.message ?? f.id + ' failed'}\n`);
        return io.signal.aborted ? 130 : 1;
      }
      return 0;
    } finally {
      reporter.close();
      const { destroySharedPool } = await import('../../pipeline/pool.ts');
      await destroySharedPool();
    }
  },
});
