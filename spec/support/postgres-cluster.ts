import { startPostgresCluster } from '../../bench/postgres-cluster.js';

/**
 * Global setup of the runs on PostgreSQL: starts a cluster of its own (see
 * `startPostgresCluster`) and gives its URL in SCIROCCO_TEST_PG_URL; stops it and removes its
 * directory after.
 */
export default async function setup(): Promise<() => void> {
  const cluster = await startPostgresCluster();
  process.env.SCIROCCO_TEST_PG_URL = cluster.url;
  return () => {
    cluster.stop();
  };
}
