import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages from their sources, so `vitest` needs no build first.
const root = fileURLToPath(new URL('.', import.meta.url));
const alias = Object.fromEntries(
  readdirSync(`${root}packages`).map((name) => [`@aiops/${name}`, `${root}packages/${name}/src/index.ts`]),
);
for (const name of readdirSync(`${root}services`)) {
  alias[`@aiops/service-${name}`] = `${root}services/${name}/src/index.ts`;
}

export default defineConfig({
  resolve: { alias },
  test: {
    // One real broker and server on two cores: integration and chaos files run one after another. Vitest
    // reads this option only here, not per project (a project's `fileParallelism` is ignored); unit files
    // are quick enough one at a time.
    fileParallelism: false,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/setup/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          // Fault tests (test/chaos/README.md): a stack of their own, services as child processes,
          // runs of minutes each. `npm run test:chaos`; CHAOS_EVENTS / CHAOS_FAULTS shorten it.
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/setup/global-setup.ts'],
          testTimeout: 3 * 60 * 60_000,
          hookTimeout: 30 * 60_000,
        },
      },
      {
        extends: true,
        test: {
          // Cluster fault tests (issue 18): three brokers, ZooKeeper and two ClickHouse replicas of their
          // own (test/cluster/stack.ts), runs of minutes each. `npm run test:cluster`; not in `npm test`.
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60 * 60_000,
          hookTimeout: 10 * 60_000,
        },
      },
    ],
  },
});
