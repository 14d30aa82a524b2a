import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, listening, until } from '../support/cli.js';
import { built, ROOT } from '../support/dist.js';
import { nodeClient, send } from '../support/http.js';

describe('scirocco serve', () => {
  it('prints one listening line with the real port, answers, and exits 0 on SIGTERM', async () => {
    const run = cli(['serve', '--port', '0']);
    const url = await listening(run);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toMatch(/:0$/);
    const a = nodeClient(url, 'af123');
    expect((await a.push('af123', { hello: 'cli' })).status).toBe(201);
    expect((await a.pull()).json()).toEqual({ hello: 'cli' });
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(run.stdout()).toBe(`listening on ${url}\n`);
    expect(run.stderr()).toBe(
      'store: memory (messages are lost when the server stops; keep them with --store sqlite:./scirocco.db)\n',
    );
  });

  it('exits 0 on SIGINT too, with a keep-alive connection open', async () => {
    const run = cli(['serve', '-p', '0']);
    const url = await listening(run);
    await send(url);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
  });

  it('logs one line per request to stderr with --verbose, never the token', async () => {
    const run = cli(['serve', '--port', '0', '--verbose'], { SCIROCCO_MASTER_TOKEN: 'cli-secret-token' });
    const url = await listening(run);
    await send(url, { anonymous: true, headers: { Authorization: 'cli-secret-token' } });
    await send(url, { anonymous: true, headers: { Authorization: 'wrong' } });
    run.child.kill('SIGTERM');
    await run.exit;
    const lines = run.stderr().trim().split('\n').slice(1); // after the store line
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/ GET \/ 200 /);
    expect(lines[1]).toMatch(/ GET \/ 403 /);
    expect(run.stdout() + run.stderr()).not.toContain('cli-secret-token');
  });

  it('answers browsers from the --cors origins, or from SCIROCCO_CORS', async () => {
    const preflight = (url: string, origin: string) =>
      send(url, {
        method: 'OPTIONS',
        path: '/messageQueue',
        anonymous: true,
        headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' },
      });
    const flags = cli(
      ['serve', '--port', '0', '--cors', 'http://a.example', '--cors', 'http://b.example:8080'],
      {
        SCIROCCO_CORS: '*',
      },
    );
    const flagged = await listening(flags);
    for (const origin of ['http://a.example', 'http://b.example:8080']) {
      const answer = await preflight(flagged, origin);
      expect(answer.status).toBe(204);
      expect(answer.headers['access-control-allow-origin']).toBe(origin);
    }
    expect((await preflight(flagged, 'http://c.example')).status).toBe(403);
    flags.child.kill('SIGTERM');
    expect(await flags.exit).toBe(0);

    const env = cli(['serve', '--port', '0'], { SCIROCCO_CORS: 'http://a.example, http://c.example' });
    const fromEnv = await listening(env);
    expect((await preflight(fromEnv, 'http://c.example')).headers['access-control-allow-origin']).toBe(
      'http://c.example',
    );
    env.child.kill('SIGTERM');
    expect(await env.exit).toBe(0);
  });

  it('reads the environment, and flags win over it', async () => {
    const run = cli(['serve', '--token', 'from-flag'], {
      SCIROCCO_PORT: '0',
      SCIROCCO_MASTER_TOKEN: 'from-env',
      SCIROCCO_MAX_KB_SIZE_TEXT: '1',
      SCIROCCO_MAX_GET_ALL_MESSAGES: '2',
    });
    const url = await listening(run);
    expect((await send(url, { anonymous: true, headers: { Authorization: 'from-env' } })).status).toBe(403);
    const headers = {
      Authorization: 'from-flag',
      'Scirocco-Node-Source': 'aa',
      'Scirocco-Node-Destination': 'aa',
      'Content-Type': 'text/plain',
    };
    const post = (body: string) =>
      send(url, { method: 'POST', path: '/messageQueue', anonymous: true, headers, body });
    expect((await post('x'.repeat(1025))).status).toBe(413);
    for (let i = 0; i < 3; i++) expect((await post('x')).status).toBe(201);
    const list = await send(url, { path: '/messages', anonymous: true, headers });
    expect(list.json<unknown[]>()).toHaveLength(2);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  });

  it('warns when it serves every interface with the default token', async () => {
    const run = cli(['serve', '--port', '0', '--host', '0.0.0.0']);
    await listening(run);
    run.child.kill('SIGTERM');
    await run.exit;
    expect(run.stderr()).toBe(
      'warning: serving on 0.0.0.0 with the default token; set SCIROCCO_MASTER_TOKEN\n' +
        'store: memory (messages are lost when the server stops; keep them with --store sqlite:./scirocco.db)\n',
    );
  });

  it('explains every option with --help', async () => {
    const run = cli(['serve', '--help']);
    expect(await run.exit).toBe(0);
    for (const word of [
      '--port',
      '--host',
      '--token',
      '--verbose',
      '--help',
      'SCIROCCO_PORT',
      'SCIROCCO_MASTER_TOKEN',
      'SCIROCCO_MAX_KB_SIZE_JSON',
      'SCIROCCO_MAX_KB_SIZE_TEXT',
      'SCIROCCO_MAX_KB_SIZE_RAW',
      'SCIROCCO_MAX_GET_ALL_MESSAGES',
      'SIGTERM',
    ]) {
      expect(run.stdout()).toContain(word);
    }
  });

  it.each([
    [
      ['serve', '--port', 'abc'],
      'scirocco serve: --port must be a port number from 0 to 65535, got "abc"\nTry \'scirocco serve --help\'.\n',
      {},
    ],
    [
      ['serve', '--port', '70000'],
      'scirocco serve: --port must be a port number from 0 to 65535, got "70000"\nTry \'scirocco serve --help\'.\n',
      {},
    ],
    [['serve', '--nope'], "scirocco serve: unknown option --nope\nTry 'scirocco serve --help'.\n", {}],
    [
      ['serve', '--prot', '0'],
      "scirocco serve: unknown option --prot (did you mean --port?)\nTry 'scirocco serve --help'.\n",
      {},
    ],
    [
      ['serve', '--token', ''],
      "scirocco serve: --token must not be empty\nTry 'scirocco serve --help'.\n",
      {},
    ],
    [
      ['serve', 'extra'],
      "scirocco serve: Unexpected argument 'extra'. This command does not take positional arguments\nTry 'scirocco serve --help'.\n",
      {},
    ],
    [
      ['serve'],
      'scirocco serve: SCIROCCO_PORT must be a port number from 0 to 65535, got "x"\nTry \'scirocco serve --help\'.\n',
      { SCIROCCO_PORT: 'x' },
    ],
    [
      ['serve', '--port', '0'],
      'scirocco serve: SCIROCCO_MAX_KB_SIZE_RAW must be a positive whole number, got "-1"\nTry \'scirocco serve --help\'.\n',
      { SCIROCCO_MAX_KB_SIZE_RAW: '-1' },
    ],
    [
      ['serve', '--cors', 'localhost:4200'],
      `scirocco serve: cors origin "localhost:4200" is not an origin such as 'http://localhost:4200' (scheme, host and port only)\nTry 'scirocco serve --help'.\n`,
      {},
    ],
    [
      ['serve', '--max-waiting', '10k'],
      'scirocco serve: --max-waiting must be a positive whole number, got "10k"\nTry \'scirocco serve --help\'.\n',
      {},
    ],
    [
      ['serve', '--plain', '--processing-timeout', '1s'],
      "scirocco serve: --processing-timeout is an extension: a plain server offers none\nTry 'scirocco serve --help'.\n",
      {},
    ],
    [
      ['serve', '--max-pull-wait', 'forever'],
      'scirocco serve: --max-pull-wait must be a duration such as 10s or 500ms, or off, got "forever"\nTry \'scirocco serve --help\'.\n',
      {},
    ],
    [
      ['serve', '--metrics-listen', '9464'],
      'scirocco serve: --metrics-listen must be HOST:PORT, such as 127.0.0.1:9464, got "9464"\nTry \'scirocco serve --help\'.\n',
      {},
    ],
    [
      ['serve'],
      'scirocco serve: SCIROCCO_METRICS_LISTEN must be a port number from 0 to 65535, got "70000"\nTry \'scirocco serve --help\'.\n',
      { SCIROCCO_METRICS_LISTEN: 'localhost:70000' },
    ],
    [['frobnicate'], 'scirocco: unknown command "frobnicate"\nTry \'scirocco --help\'.\n', {}],
    [['pul'], 'scirocco: unknown command "pul" (did you mean pull?)\nTry \'scirocco --help\'.\n', {}],
    [['--bogus'], "scirocco: unknown option --bogus\nTry 'scirocco --help'.\n", {}],
  ])('exits 2 on a usage error: %j', async (args, message, env) => {
    const run = cli(args, env);
    expect(await run.exit).toBe(2);
    expect(run.stderr()).toBe(message);
    expect(run.stdout()).toBe('');
  });

  it('serves the original protocol only with --plain: no extension advertised, no nack', async () => {
    const run = cli(['serve', '--port', '0', '--plain']);
    const url = await listening(run);
    const info = await send(url);
    expect(info.status).toBe(200);
    expect(info.headers['scirocco-extensions']).toBeUndefined();
    const a = nodeClient(url, 'af123');
    await a.push('af123', 'x');
    const id = (await a.pull()).headers['scirocco-id'];
    const nack = await a.send({ method: 'PATCH', path: `/messageQueue/${String(id)}/nack` });
    expect([nack.status, nack.json()]).toEqual([404, { message: 'Not Found' }]);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  });

  it('offers long polling up to --max-pull-wait (or SCIROCCO_MAX_PULL_WAIT), none when off', async () => {
    for (const [args, env, advertised] of [
      [['--max-pull-wait', '5s'], {}, 'long-poll=5000'],
      [[], { SCIROCCO_MAX_PULL_WAIT: '2500ms' }, 'long-poll=2500'],
      [[], {}, 'long-poll=20000'],
    ] as const) {
      const run = cli(['serve', '--port', '0', ...args], env);
      const url = await listening(run);
      expect((await send(url)).headers['scirocco-extensions']).toContain(advertised);
      run.child.kill('SIGTERM');
      expect(await run.exit).toBe(0);
    }
    const off = cli(['serve', '--port', '0', '--max-pull-wait', 'off']);
    const url = await listening(off);
    expect((await send(url)).headers['scirocco-extensions']).not.toContain('long-poll');
    off.child.kill('SIGTERM');
    expect(await off.exit).toBe(0);
  });

  it('serves the console with --console and the metrics with --metrics, saying where on stderr', async () => {
    const run = cli(['serve', '--port', '0', '--console', '--metrics']);
    const url = await listening(run);
    const page = await send(url, { path: '/console/', anonymous: true });
    expect([page.status, page.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await send(url, { path: '/console/console.js', anonymous: true })).status).toBe(200);
    const redirect = await send(url, { path: '/console', anonymous: true });
    expect([redirect.status, redirect.headers.location]).toEqual([301, '/console/']);
    expect((await send(url, { path: '/metrics', anonymous: true })).status).toBe(403);
    expect((await send(url, { path: '/metrics' })).body.toString()).toContain(
      '# TYPE scirocco_messages gauge',
    );
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(run.stderr()).toContain(`console: ${url}/console/\nmetrics: ${url}/metrics\n`);
    // Neither is served unless asked.
    const plain = cli(['serve', '--port', '0']);
    const plainUrl = await listening(plain);
    expect((await send(plainUrl, { path: '/console/' })).status).toBe(404);
    expect((await send(plainUrl, { path: '/metrics' })).status).toBe(404);
    plain.child.kill('SIGTERM');
    expect(await plain.exit).toBe(0);
  });

  it('serves the metrics on an address of their own with --metrics-listen or SCIROCCO_METRICS_LISTEN', async () => {
    for (const [args, env] of [
      [['--metrics-listen', '127.0.0.1:0'], {}],
      [[], { SCIROCCO_METRICS_LISTEN: '127.0.0.1:0' }],
    ] as const) {
      const run = cli(['serve', '--port', '0', ...args], env);
      const url = await listening(run);
      const metricsUrl = await until(
        run,
        'the metrics line',
        () => /metrics: (\S+)\n/.exec(run.stderr())?.[1],
      );
      expect(new URL(metricsUrl).origin).not.toBe(url);
      const { origin } = new URL(metricsUrl);
      expect((await send(origin, { path: '/metrics', anonymous: true })).status).toBe(200);
      expect((await send(url, { path: '/metrics' })).status).toBe(404);
      run.child.kill('SIGTERM');
      expect(await run.exit).toBe(0);
    }
  });

  it('exits 1 when the port is taken', async () => {
    const first = cli(['serve', '--port', '0']);
    const port = new URL(await listening(first)).port;
    const second = cli(['serve', '--port', port]);
    expect(await second.exit).toBe(1);
    expect(second.stderr()).toMatch(
      new RegExp(`^scirocco serve: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
    );
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
  });

  it('prints the commands with --help and the version with --version', async () => {
    const help = cli(['--help']);
    expect(await help.exit).toBe(0);
    expect(help.stdout()).toContain('serve');
    const version = cli(['--version']);
    expect(await version.exit).toBe(0);
    expect(version.stdout()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('scirocco serve: slow clients', () => {
  it('closes connections that send nothing after --headers-timeout, or SCIROCCO_HEADERS_TIMEOUT', async () => {
    for (const [args, env] of [
      [['--headers-timeout', '400ms'], {}],
      [[], { SCIROCCO_HEADERS_TIMEOUT: '0.4s' }],
    ] as const) {
      const run = cli(['serve', '--port', '0', ...args], env);
      const { hostname, port } = new URL(await listening(run));
      const socket = connect(Number(port), hostname);
      socket.on('error', () => undefined);
      socket.resume(); // read the server's 408 and its end of the connection
      const opened = performance.now();
      await once(socket, 'close');
      expect(performance.now() - opened).toBeLessThan(4_000);
      run.child.kill('SIGTERM');
      expect(await run.exit).toBe(0);
    }
  });

  it('lists the slow-client options in --help, also asked for as -vh', async () => {
    const grouped = cli(['serve', '-vh', '--port', '0']);
    expect(await grouped.exit).toBe(0);
    expect(grouped.stdout()).toMatch(/^Usage: scirocco serve/);
    const run = cli(['serve', '--help']);
    expect(await run.exit).toBe(0);
    for (const word of [
      '--headers-timeout',
      '--request-timeout',
      '--keep-alive-timeout',
      '--max-connections',
      'SCIROCCO_HEADERS_TIMEOUT',
      'SCIROCCO_REQUEST_TIMEOUT',
      'SCIROCCO_KEEP_ALIVE_TIMEOUT',
      'SCIROCCO_MAX_CONNECTIONS',
    ]) {
      expect(run.stdout()).toContain(word);
    }
  });

  it.each([
    [
      ['--headers-timeout', 'soon'],
      '--headers-timeout must be a duration such as 10s or 500ms, got "soon"',
      {},
    ],
    [['--request-timeout', '0s'], '--request-timeout must be a duration such as 10s or 500ms, got "0s"', {}],
    [
      [],
      'SCIROCCO_KEEP_ALIVE_TIMEOUT must be a duration such as 10s or 500ms, got "-5"',
      { SCIROCCO_KEEP_ALIVE_TIMEOUT: '-5' },
    ],
    [['--max-connections', '10.5'], '--max-connections must be a positive whole number, got "10.5"', {}],
    [
      ['--headers-timeout', '1m', '--request-timeout', '30s'],
      '--headers-timeout (60000 ms) must not exceed --request-timeout (30000 ms)',
      {},
    ],
  ])('exits 2 on %j', async (args, message, env) => {
    const run = cli(['serve', '--port', '0', ...args], env);
    expect(await run.exit).toBe(2);
    expect(run.stderr()).toBe(`scirocco serve: ${message}\nTry 'scirocco serve --help'.\n`);
  });
});

describe('docs/server.md', () => {
  it('gives a script that waits for the listening line, uses the server and stops it', async () => {
    const text = readFileSync(join(ROOT, 'docs', 'server.md'), 'utf8');
    const script = /so scripts can wait for it:\n\n```sh\n([\s\S]*?)```/.exec(text)?.[1];
    expect(script).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'scirocco-wait-'));
    // `npx scirocco` of an installed package, here the built one.
    writeFileSync(
      join(dir, 'npx'),
      `#!/bin/sh\nshift\nexec "${process.execPath}" "${built('cli/scirocco.js')}" "$@"\n`,
      {
        mode: 0o755,
      },
    );
    // Its own process group, so that a script that hangs is killed with its server.
    const run = spawn('bash', ['-euc', script!], {
      cwd: dir,
      env: { PATH: `${dir}:${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const killAll = () => {
      try {
        process.kill(-(run.pid ?? 0), 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const guard = setTimeout(killAll, 15_000);
    try {
      let out = '';
      run.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      run.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const [code] = (await once(run, 'exit')) as [number | null];
      expect(out).toMatch(/^server at http:\/\/127\.0\.0\.1:\d+$/m);
      expect(out).toContain('DDS endpoint.');
      expect(code).toBe(0);
    } finally {
      clearTimeout(guard);
      killAll();
    }
  });
});
