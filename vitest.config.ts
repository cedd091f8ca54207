import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests spawn worker threads and child processes of their own; two forks keep
    // a 2-core machine responsive.
    pool: 'forks',
    maxWorkers: 2,
  },
});
