// The processes of a benchmark: servers and client workers, each in a process of its own, and
// the CPU time they use, read from /proc.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scenario } from './workers.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));

export const RUNS = Number(process.env.BENCH_RUNS ?? 5);
export const log = (line: string) => process.stderr.write(`${line}\n`);
export const freshNode = () => randomBytes(4).toString('hex');

/** Runs a script of the benchmark in its own Node process; resolves to what it printed. */
export function child(script: string, args: string[], nodeArgs: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...nodeArgs, join(HERE, script), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.on('exit', (code) => {
      if (code === 0) resolve(out.trim());
      else reject(new Error(`${script} ${args.join(' ')} exited ${String(code)}`));
    });
  });
}

/** A server process: its URL, its pid, and what stops it. */
export interface ServerProcess {
  readonly url: string;
  readonly pid: number | undefined;
  stop(): void;
}

/**
 * Starts a server in its own process: this package's (`scirocco`, on `store`, with `preload`
 * messages waiting for `preloadNode` stored before it listens, `GET /metrics` with `metrics`),
 * or a bare node:http one.
 */
export async function server(
  kind: 'scirocco' | 'bare' | 'bare-push',
  options: { store?: string; preload?: number; preloadNode?: string; metrics?: boolean } = {},
): Promise<ServerProcess> {
  const args = [
    kind,
    ...(options.store === undefined ? [] : ['--store', options.store]),
    ...(options.preload === undefined ? [] : ['--preload', String(options.preload)]),
    ...(options.preloadNode === undefined ? [] : ['--preload-node', options.preloadNode]),
    ...(options.metrics === true ? ['--metrics'] : []),
  ];
  // BENCH_SERVER_PROFILE=DIR writes a CPU profile of each server there (at a gentle stop).
  const profile = process.env.BENCH_SERVER_PROFILE;
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const proc = spawn(process.execPath, [...flags, join(HERE, 'server-process.js'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    proc.once('exit', (code) => {
      reject(new Error(`server-process ${args.join(' ')} exited ${String(code)}`));
    });
    proc.stdout.once('data', (chunk: Buffer) => {
      resolve(chunk.toString().trim());
    });
  });
  proc.removeAllListeners('exit');
  return { url, pid: proc.pid, stop: () => proc.kill(profile ? 'SIGINT' : 'SIGKILL') };
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat times: 100 on every common build. */
const CLOCK_TICKS = 100;

/**
 * CPU seconds (user and system) a process has used so far, from /proc on Linux; `undefined`
 * elsewhere.
 */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // The fields after the command name, which is in parentheses: utime and stime are 14th and 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of a process and its children alive now (a PostgreSQL postmaster and its
 * backends); `undefined` where /proc is not there.
 */
export function treeCpuSeconds(pid: number | undefined): number | undefined {
  const own = cpuSeconds(pid);
  if (own === undefined || pid === undefined) return own;
  let total = own;
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const childPid of children === '' ? [] : children.split(' ')) {
        total += treeCpuSeconds(Number(childPid)) ?? 0;
      }
    }
  } catch {
    // a process gone meanwhile
  }
  return total;
}

/** Runs one client scenario in a worker process; resolves to its JSON answer. */
export const worker = async <T>(scenario: Scenario, nodeArgs: string[] = []) =>
  JSON.parse(await child('workers.js', [JSON.stringify(scenario)], nodeArgs)) as T;
