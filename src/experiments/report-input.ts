// The report page's inputs for an experiment: the artifacts its record names, gathered
// by the report's own code (src/report/gather.ts), so `ser report --compare` shows b's
// full report under the comparison section.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gatherReportInput } from '../report/gather.ts';
import type { ReportInput } from '../report/types.ts';
import { artifactDir } from '../pipeline/store.ts';
import type { Artifact } from '../pipeline/types.ts';
import { EVALUATE_STAGE, ExperimentError, TRAIN_STAGE, type ExperimentRecord } from './record.ts';

const DEFAULT_TITLE = 'Speech emotion recognition: evaluation report';

export async function experimentReportInput(root: string, r: ExperimentRecord): Promise<ReportInput> {
  const arts: Artifact[] = r.stages.map((s) => ({ stage: s.stage, matrix: s.matrix, key: s.key, dir: artifactDir(root, s.stage, s.key) }));
  const missing = arts.filter((a) => !existsSync(a.dir));
  if (missing.length) {
    throw new ExperimentError(`experiment '${r.name}': artifact${missing.length > 1 ? 's' : ''} ${missing.map((a) => `${a.stage}/${a.key.slice(0, 12)}`).join(', ')} not in artifacts/ (deleted, or the cache was not restored); rerun it with \`npx ser exp run ${r.name} --force …\``);
  }
  const evaluate = arts.find((a) => a.stage === EVALUATE_STAGE);
  if (!evaluate) throw new ExperimentError(`experiment '${r.name}' did not reach the ${EVALUATE_STAGE} stage: no metrics to report`);
  const ingest = arts.find((a) => a.stage === 'ingest' && existsSync(join(a.dir, 'manifest.parquet')));
  const train = arts.filter((a) => a.stage === TRAIN_STAGE && existsSync(join(a.dir, 'meta.json')));
  const others = arts.filter((a) => a !== evaluate && a !== ingest && !train.includes(a) && a.stage !== 'report');
  const report = r.params.report as { title?: unknown } | undefined;
  const title = typeof report?.title === 'string' && report.title ? report.title : DEFAULT_TITLE;
  return gatherReportInput({ evaluate, train, ingest, others }, title);
}
