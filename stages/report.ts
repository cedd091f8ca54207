// report: one self-contained HTML page (inline SVG charts, no scripts, no network) from
// the evaluate, train and ingest artifacts; the engine publishes a stable copy at
// artifacts/report.html. The page is built from typed inputs by src/report/render.ts.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { defineStage } from '../src/pipeline/types.ts';
import { gatherReportInput } from '../src/report/gather.ts';
import { renderReport } from '../src/report/render.ts';

const reportParams = z.strictObject({
  title: z.string().min(1).default('Speech emotion recognition: evaluation report'),
});

export default defineStage({
  description: 'self-contained HTML report (metrics, confusion, training curves, gender-bias audit) → report.html',
  outs: ['report.html'],
  publish: { 'report.html': 'artifacts/report.html' },
  async run(ctx) {
    const parsed = reportParams.safeParse(ctx.params.report ?? {});
    if (!parsed.success) throw new Error(`invalid report params: ${parsed.error.issues.map((i) => `report.${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const evaluate = ctx.inputs.evaluate?.[0];
    if (!evaluate) throw new Error('report needs the evaluate stage\'s artifact (metrics.json): add `deps: [evaluate]`');
    const train = ctx.inputs.train ?? [];
    const others = Object.entries(ctx.inputs)
      .filter(([stage]) => !['evaluate', 'train', 'ingest'].includes(stage))
      .flatMap(([, list]) => list);
    const input = await gatherReportInput({ evaluate, train, ingest: ctx.inputs.ingest?.[0], others }, parsed.data.title);
    input.run.params.report = parsed.data; // this stage's own params (not in any upstream marker)
    const html = await renderReport(input);
    await writeFile(join(ctx.outDir, 'report.html'), html);
    const m = input.metrics;
    ctx.log(`report.html: ${(html.length / 1024).toFixed(0)} KiB; accuracy ${m.accuracy?.toFixed(3)}, macro-F1 ${m.macro_f1?.toFixed(3)}, UAR ${m.uar?.toFixed(3)} on ${m.n} clips`);
  },
});
