import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { built, ROOT } from './support/dist.js';

const run = promisify(execFile);
const CI = !['', '0', 'false'].includes(process.env.CI ?? '');
const APP = join(ROOT, 'examples/angular/app');
const NG = join(APP, 'node_modules/@angular/cli/bin/ng.js');

/**
 * The Angular example app (Angular 21, the one that runs on Node 20; TypeScript 5.9, which its
 * build wants) builds with the Angular CLI against the built package, installed as a user would
 * get it (examples/angular/app/.npmrc: install-links), with one copy of Angular and of RxJS.
 */
describe('examples/angular/app', () => {
  if (!existsSync(NG)) {
    it('needs its own install', (context) => {
      if (CI) throw new Error(`${NG} is missing: .ci/run runs npm ci in examples/angular/app`);
      context.skip('run npm ci in examples/angular/app (after npm run build) to build the Angular example');
    });
    return;
  }

  it('builds with ng build, the package and Angular bundled once', { timeout: 240_000 }, async () => {
    const installed = join(APP, 'node_modules/scirocco-rx/dist/angular.js');
    expect(
      readFileSync(installed, 'utf8'),
      'the app installed an older build: run npm ci in examples/angular/app',
    ).toBe(readFileSync(built('angular.js'), 'utf8'));
    rmSync(join(APP, 'dist'), { recursive: true, force: true });
    await run(process.execPath, [NG, 'build', '--stats-json'], {
      cwd: APP,
      env: { ...process.env, NG_CLI_ANALYTICS: 'false', CI: 'true' },
    });
    const browser = join(APP, 'dist/browser');
    expect(readFileSync(join(browser, 'index.html'), 'utf8')).toContain('<app-readings>');
    const main = readdirSync(browser).find((file) => /^main-.*\.js$/.test(file));
    expect(main).toBeDefined();
    expect(readFileSync(join(browser, main ?? ''), 'utf8')).toContain('Readings of node b2');
    const stats = JSON.parse(readFileSync(join(APP, 'dist/stats.json'), 'utf8')) as { inputs: object };
    const roots = (name: string) =>
      new Set(
        Object.keys(stats.inputs)
          .filter((input) => input.includes(`${name}/`))
          .map((input) => input.split(`${name}/`)[0]),
      );
    expect([...roots('@angular/core')]).toEqual(['node_modules/']);
    expect([...roots('rxjs')]).toEqual(['node_modules/']);
    expect([...roots('scirocco-rx')]).toEqual(['node_modules/']);
  });
});
