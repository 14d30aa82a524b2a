import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/dist.js';

/** Every file below a folder. */
function filesUnder(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

const squeeze = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The code blocks of a Markdown file in the given languages. */
function blocks(file: string, languages: string[]): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)]
    .filter(([, language]) => languages.includes(language ?? ''))
    .map(([, , code]) => code ?? '');
}

/**
 * The TypeScript in README.md and docs/ is taken from the examples, which the suite type-checks or
 * runs: a block that is not found in an example has rotted, or was never checked.
 */
describe('code in README.md and docs/', () => {
  const examples = filesUnder('examples')
    .filter((file) => file.endsWith('.ts'))
    .map((file) => squeeze(readFileSync(file, 'utf8')));
  const documents = [
    join(ROOT, 'README.md'),
    ...filesUnder('docs').filter((file) => file.endsWith('.md') && !file.includes(join('docs', 'api'))),
  ];

  it.each(documents.map((file) => [file.slice(ROOT.length), file]))(
    '%s: every ts block is from an example',
    (_, file) => {
      const unchecked = blocks(file, ['ts', 'typescript']).filter(
        (code) => !examples.some((example) => example.includes(squeeze(code))),
      );
      expect(unchecked).toEqual([]);
    },
  );
});
