// Entry of a data-parallel training worker thread. Plain JavaScript because it has to set
// up TypeScript loading itself: worker threads inherit neither tsx's nor vitest's loader
// hooks (see src/pipeline/pool-worker.mjs), so it registers tsx, then loads worker.ts.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
