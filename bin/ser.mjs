#!/usr/bin/env node
// `npx ser …`: registers tsx's loader in-process (no child process, no build step)
// and runs the TypeScript CLI in src/cli/main.ts.
import { register } from 'tsx/esm/api';

register();
const { cli } = await import('../src/cli/main.ts');
await cli(process.argv.slice(2));
