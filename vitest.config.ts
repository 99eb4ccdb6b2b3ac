// One test runner for every package. Packages resolve to their sources, so tests need no build,
// except the end-to-end tests that start the built `smartcharge` command as a real process.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@smartcharge/protocol': source('./packages/protocol/src/index.ts'),
      '@smartcharge/catalog': source('./packages/catalog/src/index.ts'),
      '@smartcharge/device': source('./packages/device/src/index.ts'),
      '@smartcharge/server': source('./packages/server/src/index.ts'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    globalSetup: ['./packages/server/test/support/global-setup.ts'],
    // Limits for hung tests only (none asserts a duration). End-to-end tests start real processes and a
    // browser on two shared cores: a step that takes 18 s alone can take over 30 s in the full run.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    // Each PGlite is ~1 GB and single-threaded; two workers fit the machine's two cores.
    pool: 'forks',
    maxWorkers: 2,
  },
});
