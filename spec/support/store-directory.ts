import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Global setup of the runs on durable stores: one temporary directory for their files, made
 * before the test files run (they find it in SCIROCCO_TEST_STORE_DIR) and removed after.
 */
export default function setup(): () => void {
  const directory = mkdtempSync(join(tmpdir(), 'scirocco-spec-'));
  process.env.SCIROCCO_TEST_STORE_DIR = directory;
  return () => {
    rmSync(directory, { recursive: true, force: true });
  };
}
