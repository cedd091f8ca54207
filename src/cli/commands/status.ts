import { defineCommand, loadPipelineFromArgs, parseCommandArgs, setOption } from '../command.ts';

export default defineCommand({
  name: 'status',
  summary: 'show each stage instance as fresh or stale, with the reason',
  usage: `ser status [stage…] [--json] [--set k=v…]
  One line per stage instance, e.g.
    split: fresh
    train[fold=2]: stale — param train.lr 0.001 → 0.0005
  Exit code 0 either way. --json prints [{id, stage, matrix, state, reasons, key, lock_key}]
  (state: fresh | cached | stale | blocked).`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' }, ...setOption });
    const pipeline = loadPipelineFromArgs(io, values.set);
    for (const w of pipeline.warnings) io.stderr.write(`warning: ${w}\n`);
    const { pipelineStatus, formatEvaluation } = await import('../../pipeline/status.ts');
    const evals = await pipelineStatus(pipeline, positionals);
    if (values.json) {
      const rows = evals.map((e) => ({ id: e.inst.id, stage: e.inst.stage.name, matrix: e.inst.matrix, state: e.state, reasons: e.reasons, key: e.key ?? null, lock_key: e.lock?.key ?? null }));
      io.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return 0;
    }
    if (!evals.length) io.stdout.write('no stages in pipeline.yaml\n');
    for (const e of evals) io.stdout.write(formatEvaluation(e) + '\n');
    return 0;
  },
});
