import { defineCommand, parseCommandArgs } from '../command.ts';
import { findRoot } from '../../pipeline/config.ts';

export default defineCommand({
  name: 'gc',
  summary: 'delete artifacts that pipeline.lock and experiments do not reference',
  usage: `ser gc [--dry]
  Keeps every artifact named in pipeline.lock or in artifacts/experiments/*.json
  ("artifacts": {"<stage instance>": "<key>"}); deletes the other artifacts, their logs,
  failed-run logs and temp dirs of dead runs, and prints how much it freed.
  --dry, -n   list what would be deleted, delete nothing
  --no-wait   fail at once if a run holds the workspace`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { dry: { type: 'boolean', short: 'n' }, 'no-wait': { type: 'boolean' } }, false);
    const { collectGarbage } = await import('../../pipeline/gc.ts');
    const { acquireWorkspaceLock } = await import('../../pipeline/wslock.ts');
    const root = findRoot(io.cwd);
    const release = await acquireWorkspaceLock(root, { wait: !values['no-wait'], onWait: (m) => io.stderr.write(m + '\n'), command: 'ser gc', signal: io.signal });
    try {
      const r = await collectGarbage(root, { dry: values.dry });
      for (const d of r.deleted) io.stdout.write(`${values.dry ? 'would delete' : 'deleted'} ${d.path} (${formatBytes(d.bytes)})\n`);
      io.stdout.write(`${values.dry ? 'would free' : 'freed'} ${formatBytes(r.freedBytes)} (${r.deleted.length} entries); kept ${r.kept} artifacts referenced by pipeline.lock or by ${r.experiments} experiment record(s)\n`);
      return 0;
    } finally {
      await release();
    }
  },
});

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}
