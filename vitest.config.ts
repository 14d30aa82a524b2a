import { configDefaults, defineConfig } from 'vitest/config';

/** The specs that run the server over HTTP: they run again on each durable store. */
const OVER_HTTP = [
  'spec/server/**/*.spec.ts',
  'spec/client/client.spec.ts',
  'spec/rx/http-flows.spec.ts',
  'spec/rx/fault-flows.spec.ts',
  'spec/rx/memory-vs-server-flows.spec.ts',
];

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    typecheck: { enabled: false },
    projects: [
      {
        extends: true,
        test: {
          name: 'memory',
          include: ['spec/**/*.spec.ts', 'examples/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'spec/server/postgres-*.spec.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: OVER_HTTP,
          exclude: [
            ...configDefaults.exclude,
            'spec/server/memory-store.spec.ts',
            'spec/server/sqlite-store.spec.ts',
            'spec/server/postgres-*.spec.ts',
          ],
          env: { SCIROCCO_TEST_STORE: 'sqlite' },
          globalSetup: ['spec/support/store-directory.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: [...OVER_HTTP, 'spec/server/postgres-*.spec.ts', 'spec/cli/durability.spec.ts'],
          exclude: [
            ...configDefaults.exclude,
            'spec/server/memory-store.spec.ts',
            'spec/server/sqlite-store.spec.ts',
          ],
          env: { SCIROCCO_TEST_STORE: 'postgres' },
          globalSetup: ['spec/support/postgres-cluster.ts'],
        },
      },
    ],
  },
});
