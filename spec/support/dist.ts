import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A file of the built package; fails with a clear message when the build is missing. */
export function built(path: string): string {
  const file = fileURLToPath(new URL(`../../dist/${path}`, import.meta.url));
  if (!existsSync(file)) throw new Error(`${file} is missing: run "npm run build" first (npm test does)`);
  return file;
}
