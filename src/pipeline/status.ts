// `ser status`: evaluate every stage instance against pipeline.lock without running
// anything (and without loading the runner, the worker pool or the stages).
import type { Pipeline } from './config.ts';
import { checkStageNames, upstreamClosure } from './config.ts';
import { StateCache } from './hash.ts';
import { readLock } from './lock.ts';
import { Planner, formatEvaluation, type Evaluation } from './plan.ts';

export { formatEvaluation };

export async function pipelineStatus(pipeline: Pipeline, targets?: string[]): Promise<Evaluation[]> {
  if (targets?.length) checkStageNames(pipeline, targets);
  const state = await StateCache.load(pipeline.root);
  try {
    const lock = await readLock(pipeline.root);
    const planner = new Planner(pipeline, state, lock);
    const stages = targets?.length ? upstreamClosure(pipeline, targets) : pipeline.stages;
    return await planner.evaluateAll(stages);
  } finally {
    await state.save().catch(() => undefined);
  }
}
