import { readFile } from 'node:fs/promises';
import type { Reply } from './reply.js';

/** The files of the web console, built into `dist/console/` by `npm run build`. */
const FILES: Readonly<Record<string, string>> = Object.freeze({
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
});

/**
 * What a browser may do on a console page: run its own script and style, ask its own server;
 * nothing inline, nothing from elsewhere, never inside a frame.
 */
const CONSOLE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
});

/** The web console's files, read once when the server starts. */
export interface ConsoleAssets {
  /** The file of a path under `/console`, a redirect of `/console` itself, or `undefined` (404). */
  reply(pathname: string): Reply | undefined;
  /** The files and their sizes in bytes, as served. */
  readonly sizes: Readonly<Record<string, number>>;
}

/**
 * The directories that may hold the built console: beside the server's module in `dist/`, or,
 * when the server runs from its TypeScript sources, in `dist/` of the package.
 */
const CANDIDATES = ['../console/', '../../dist/console/'];

/**
 * Reads the web console's files, to serve them with the `console` option of
 * `createRequestHandler` (`startServer({ console: true })` does it for you). Rejects with an `Error` that says how
 * to build them when they are not there (a checkout that was not built).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createMemoryStore, createRequestHandler, DEFAULT_LIMITS, loadConsoleAssets } from 'scirocco-rx/server';
 *
 * const handler = createRequestHandler({
 *   store: createMemoryStore(),
 *   token: 'DEFAULT_TOKEN',
 *   limits: DEFAULT_LIMITS,
 *   clock: Date.now,
 *   console: await loadConsoleAssets(),
 * });
 * createServer(handler).listen(8000); // the console at http://localhost:8000/console/
 * ```
 */
export async function loadConsoleAssets(): Promise<ConsoleAssets> {
  for (const candidate of CANDIDATES) {
    const directory = new URL(candidate, import.meta.url);
    let bodies: Buffer[];
    try {
      bodies = await Promise.all(Object.keys(FILES).map((name) => readFile(new URL(name, directory))));
    } catch {
      continue;
    }
    const files = new Map(
      Object.keys(FILES).map((name, at) => [
        name,
        { type: FILES[name] as string, body: bodies[at] as Buffer },
      ]),
    );
    return {
      sizes: Object.fromEntries([...files].map(([name, file]) => [name, file.body.byteLength])),
      reply(pathname): Reply | undefined {
        const rest = pathname.slice('/console'.length);
        if (rest === '') return { status: 301, headers: { Location: '/console/' }, body: '' };
        const file = files.get(rest === '/' ? 'index.html' : rest.slice(1));
        if (!file) return undefined;
        return { status: 200, headers: { ...CONSOLE_HEADERS, 'Content-Type': file.type }, body: file.body };
      },
    };
  }
  throw new Error('console: its files are not built (dist/console/): run npm run build');
}
