import { builtinModules } from 'node:module';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { built, ROOT } from '../support/dist.js';

const NODE_BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

async function bundle(contents: string) {
  const result = await build({
    stdin: { contents, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return { inputs: Object.keys(result.metafile.inputs), code: result.outputFiles[0]!.text };
}

describe('the browser build', () => {
  it('bundles `scirocco-rx` for the browser (the browser condition) without one Node built-in', async () => {
    built('browser.js');
    const { inputs, code } = await bundle(
      "import { createClient, fetchTransport } from 'scirocco-rx'; console.log(createClient, fetchTransport);",
    );
    expect(inputs.some((input) => input.includes('dist/browser.js'))).toBe(true);
    expect(inputs.filter((input) => NODE_BUILTINS.has(input) || input.includes('node_modules/got/'))).toEqual(
      [],
    );
    expect(code).not.toMatch(/from\s*["']node:/);
    expect(code).not.toMatch(/require\(["'](?:node:)?(?:http|https|net|tls|zlib|crypto|fs)["']\)/);
  });

  it('bundles the explicit `scirocco-rx/browser` entry the same way', async () => {
    const { inputs } = await bundle(
      "import { createClient } from 'scirocco-rx/browser'; console.log(createClient);",
    );
    expect(inputs.filter((input) => NODE_BUILTINS.has(input) || input.includes('node_modules/got/'))).toEqual(
      [],
    );
  });

  it('fails to bundle the server for the browser, so the check can fail', async () => {
    await expect(
      bundle("import { startServer } from 'scirocco-rx/server'; console.log(startServer);"),
    ).rejects.toThrow(/node:http|Could not resolve/);
  });
});
