import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The directory of PostgreSQL's programs: on the PATH, or where Debian's packages put them. */
function binDir(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim();
  if (found !== '') return join(found, '..');
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return versions.map((version) => join(root, version, 'bin')).find((dir) => existsSync(join(dir, 'initdb')));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => {
        resolve(port);
      });
    });
  });
}

/** A PostgreSQL cluster of its own, running until `stop()`. */
export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`. */
  readonly url: string;
  /** The postmaster's process id, for measuring its CPU. */
  readonly pid: () => number | undefined;
  /** Stops the cluster and removes its directory. */
  stop(): void;
}

/**
 * Starts a PostgreSQL cluster of its own in a temporary directory (`initdb` and `pg_ctl`, as the
 * `postgres` user when run as root, since PostgreSQL refuses to run as root), on a free port of
 * 127.0.0.1, with `fsync` off unless `durable`. `.ci/run` installs PostgreSQL when it is missing.
 */
export async function startPostgresCluster(options: { durable?: boolean } = {}): Promise<PostgresCluster> {
  const bin = binDir();
  if (bin === undefined) {
    throw new Error('PostgreSQL is not installed (no initdb): apt-get install postgresql, as .ci/run does');
  }
  const root = process.getuid?.() === 0;
  const directory = mkdtempSync(join(tmpdir(), 'scirocco-pg-'));
  if (root) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const groups = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    chownSync(directory, Number(ids.stdout), Number(groups.stdout));
  }
  const run = (program: string, args: string[]) => {
    const command = root ? 'runuser' : join(bin, program);
    const all = root ? ['-u', 'postgres', '--', join(bin, program), ...args] : args;
    const done = spawnSync(command, all, { encoding: 'utf8', cwd: directory });
    if (done.status !== 0) {
      throw new Error(`${program} failed (${String(done.status)}): ${done.stderr || done.stdout}`);
    }
  };
  const data = join(directory, 'data');
  const port = await freePort();
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const durability = options.durable === true ? '' : ' -c fsync=off';
  const settings = `-p ${String(port)} -k ${directory} -c listen_addresses=127.0.0.1 -c max_connections=300${durability}`;
  run('pg_ctl', ['-D', data, '-o', settings, '-l', join(directory, 'log'), '-w', 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${String(port)}/postgres`,
    pid: () => {
      try {
        return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      } catch {
        return undefined;
      }
    },
    stop: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    },
  };
}
