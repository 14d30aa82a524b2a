// The load generator of the server-alone section: wrk (C, a few µs of CPU per request, so the
// server gets the most of the two cores) when it is installed or can be installed with apt-get;
// otherwise load.js, a Node load generator on undici.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HERE = fileURLToPath(new URL('.', import.meta.url));

export type Shape = 'bare' | 'pull' | 'push';

export interface LoadGenerator {
  /** What it is, for the report. */
  readonly name: string;
  /** Requests per second of one shape against `url` over `connections` keep-alive connections. */
  rate(url: string, shape: Shape, connections: number, seconds: number): Promise<number>;
}

const hasWrk = () => spawnSync('wrk', ['--version']).error === undefined;

function installWrk(log: (line: string) => void): boolean {
  if (hasWrk()) return true;
  if (process.getuid?.() !== 0 || spawnSync('apt-get', ['--version']).error !== undefined) return false;
  log('installing wrk with apt-get…');
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-q', 'wrk'], { stdio: 'ignore' }).status === 0;
  if (!install()) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore' });
    install();
  }
  return hasWrk();
}

/** The Lua script that gives wrk the headers and body of a shape. */
function wrkScript(dir: string, shape: Shape): string {
  const lines = [
    'wrk.headers["Authorization"] = "DEFAULT_TOKEN"',
    'wrk.headers["Scirocco-Node-Source"] = "f00d"',
  ];
  if (shape === 'push') {
    lines.push(
      'wrk.method = "POST"',
      `wrk.body = '{"reading":21.5}'`,
      'wrk.headers["Scirocco-Node-Destination"] = "beef"',
      'wrk.headers["Content-Type"] = "application/json"',
    );
  }
  const file = join(dir, `${shape}.lua`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const target = (url: string, shape: Shape) => (shape === 'bare' ? url : `${url}/messageQueue`);

export function loadGenerator(log: (line: string) => void): LoadGenerator {
  if (installWrk(log)) {
    const dir = mkdtempSync(join(tmpdir(), 'scirocco-wrk-'));
    const version = spawnSync('wrk', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? 'wrk';
    return {
      name: `wrk (${version.split(' ').slice(0, 2).join(' ')}), one thread`,
      async rate(url, shape, connections, seconds) {
        const { stdout } = await run('wrk', [
          '-t1',
          `-c${connections}`,
          `-d${seconds}s`,
          '-s',
          wrkScript(dir, shape),
          target(url, shape),
        ]);
        const rate = /Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1];
        if (rate === undefined) throw new Error(`wrk printed no rate:\n${stdout}`);
        if (/Non-2xx or 3xx responses/.test(stdout)) throw new Error(`wrk saw failed requests:\n${stdout}`);
        return Number(rate);
      },
    };
  }
  return {
    name: 'a Node load generator on undici (wrk is not installed)',
    async rate(url, shape, connections, seconds) {
      const { stdout } = await run(process.execPath, [
        join(HERE, 'load.js'),
        url,
        shape,
        String(connections),
        String(seconds),
      ]);
      return (JSON.parse(stdout) as { rps: number }).rps;
    },
  };
}
