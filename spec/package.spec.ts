import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { built, ROOT } from './support/dist.js';

const run = promisify(execFile);

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly license?: string;
  readonly scripts?: Record<string, string>;
  readonly [field: string]: unknown;
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;

/** The files `npm pack` puts in the published package. */
async function packedFiles(): Promise<string[]> {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [pack] = JSON.parse(stdout) as [{ files: { path: string }[] }];
  return pack.files.map((file) => file.path);
}

/** The bin map as npm records it in the lock file: paths without a leading `./`. */
function binPaths(bin: unknown): unknown {
  if (typeof bin !== 'object' || bin === null) return bin;
  return Object.fromEntries(
    Object.entries(bin as Record<string, string>).map(([name, path]) => [name, path.replace(/^\.\//, '')]),
  );
}

describe('the published package', () => {
  it('ships the source of every source map it ships', async () => {
    built('index.js');
    const files = new Set(await packedFiles());
    const maps = [...files].filter((file) => file.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    const missing = maps.flatMap((map) => {
      const { sources } = JSON.parse(readFileSync(join(ROOT, map), 'utf8')) as { sources: string[] };
      return sources
        .map((source) => normalize(join(dirname(map), source)))
        .filter((file) => !files.has(file));
    });
    expect(missing).toEqual([]);
  });

  it('runs no script when it is installed', () => {
    const installScripts = ['preinstall', 'install', 'postinstall', 'prepare'];
    expect(Object.keys(manifest.scripts ?? {}).filter((name) => installScripts.includes(name))).toEqual([]);
  });

  it('has a lock file whose root entry is package.json, so that npm install leaves it unchanged', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      name: string;
      version: string;
      packages: Record<string, Record<string, unknown>>;
    };
    const root = lock.packages[''] ?? {};
    expect({ name: lock.name, version: lock.version }).toEqual({
      name: manifest.name,
      version: manifest.version,
    });
    for (const field of [
      'name',
      'version',
      'license',
      'dependencies',
      'devDependencies',
      'peerDependencies',
      'peerDependenciesMeta',
      'optionalDependencies',
      'engines',
      'bin',
    ]) {
      expect(root[field], field).toEqual(field === 'bin' ? binPaths(manifest.bin) : manifest[field]);
    }
  });

  it('passes arethetypeswrong with the esm-only profile', { timeout: 120_000 }, async () => {
    built('index.js');
    const attw = join(ROOT, 'node_modules', '.bin', 'attw');
    // Exits non-zero, with its table on stdout, when a problem that the profile counts is found.
    const outcome = await run(attw, ['--pack', '.', '--profile', 'esm-only', '--no-color'], {
      cwd: ROOT,
    }).then(
      () => 'passed',
      (error: unknown) => (error as { stdout?: string }).stdout ?? (error as Error).message,
    );
    expect(outcome).toBe('passed');
  });
});
