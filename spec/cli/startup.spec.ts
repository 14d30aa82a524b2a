import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { built } from '../support/dist.js';

const exec = promisify(execFile);

/**
 * Which modules a CLI run loads, recorded by an ESM resolve hook: a command loads only what it
 * needs, so that `--help` and `--version` start at once.
 */
async function modulesLoaded(args: string[]): Promise<string[]> {
  const folder = mkdtempSync(join(tmpdir(), 'scirocco-startup-'));
  const log = join(folder, 'resolved.log');
  writeFileSync(
    join(folder, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, resolved.url + '\\n');
  return resolved;
}
`,
  );
  writeFileSync(
    join(folder, 'register.mjs'),
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(folder, 'hooks.mjs')).href)});\n`,
  );
  writeFileSync(log, '');
  await exec(
    process.execPath,
    ['--import', pathToFileURL(join(folder, 'register.mjs')).href, built('cli/scirocco.js'), ...args],
    {
      env: { PATH: process.env.PATH ?? '', SCIROCCO_URL: 'http://127.0.0.1:9', SCIROCCO_NODE: 'af123' },
    },
  ).catch((error: unknown) => error);
  return readFileSync(log, 'utf8').trim().split('\n');
}

/** The heavy dependencies among loaded modules: got, rxjs, the server. */
const heavy = (modules: string[]) =>
  [
    ...new Set(
      modules.flatMap(
        (url) => /\/node_modules\/(got|rxjs)\/|\/dist\/(server)\//.exec(url)?.slice(1, 3) ?? [],
      ),
    ),
  ].filter(Boolean);

describe('scirocco startup', () => {
  it.each([[['--help']], [['--version']], [['help', 'push']], [['push', '--help']], [['watch', '--help']]])(
    '%j loads neither got, rxjs nor the server',
    async (args) => {
      const modules = await modulesLoaded(args);
      expect(modules.some((url) => url.endsWith('/dist/cli/scirocco.js'))).toBe(true);
      expect(heavy(modules)).toEqual([]);
    },
  );

  it('a command loads what it needs when it runs', async () => {
    const modules = await modulesLoaded(['info']);
    expect(modules.some((url) => url.includes('/node_modules/got/'))).toBe(true);
  });
});
