// Browser end-to-end tests: `npm run e2e`. The global setup builds nothing; it
// starts its own `consilium serve` on a fresh database (see server.ts), and
// the suite drives Debian's Chromium through playwright-core.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    globalSetup: ['e2e/server.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    sequence: { concurrent: false },
  },
});
