import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach } from 'vitest';
import { built } from './dist.js';

export interface Run {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exit: Promise<number | null>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

/** Runs the built CLI with a clean environment plus `env`. */
export function cli(args: string[], env: Record<string, string> = {}, stdin?: Uint8Array | string): Run {
  const child = spawn(process.execPath, [built('cli/scirocco.js'), ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (stdin !== undefined) child.stdin?.end(stdin);
  running.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stdout: () => out, stderr: () => err, exit };
}

/**
 * Waits until `condition` holds of a running CLI (checked every 20 ms, for up to 10 s) and returns
 * what it returned; fails early when the process exits without it.
 */
export async function until<T>(run: Run, what: string, condition: () => T | undefined | false): Promise<T> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    const found = condition();
    if (found !== undefined && found !== false) return found;
    if (run.child.exitCode !== null || run.child.signalCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no ${what}; stdout: ${run.stdout()} stderr: ${run.stderr()}`);
}

/** Waits for the `listening on` line and returns the url in it. */
export function listening(run: Run): Promise<string> {
  return until(run, '"listening on" line', () => /^listening on (http:\/\/\S+)\n/.exec(run.stdout())?.[1]);
}
