import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { cli, until } from '../support/cli.js';
import { built, ROOT } from '../support/dist.js';
import { nodeClient } from '../support/http.js';
import { useServer } from '../support/server.js';

const run = promisify(execFile);

describe('the demo', () => {
  it('npm start runs the pipeline on its own server and exits 0 with a summary', async () => {
    built('cli/scirocco.js');
    const { stdout } = await run('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { ...process.env, SCIROCCO_URL: '' },
    });
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^demo: 240 readings from node a1 to node b2 on http:\/\/127\.0\.0\.1:\d+ \(embedded server\), dead letters to node dead$/,
    );
    expect(
      lines.some((line) =>
        /^pushed \d+ · acked \d+ · failed \d+ \(dead-lettered \d+\) · in flight \d+ · \d+ msg\/s$/.test(line),
      ),
    ).toBe(true);
    expect(lines.at(-2)).toMatch(
      /^summary: 240 pushed, 234 handled and acked, 6 corrupt sent to node 'dead' \(6 found there\), \d+ glitches retried in the handler, in [\d.]+ s$/,
    );
    expect(lines.at(-1)).toBe('ok: every reading ended as expected');
  }, 60_000);

  it('stops on Ctrl-C with a summary of the counts it measured, and exit code 1', async () => {
    const demo = cli(['demo', '--count', '100000']);
    await until(demo, 'progress line', () => /pushed [1-9]\d* · acked [1-9]/.test(demo.stdout()));
    demo.child.kill('SIGINT');
    expect(await demo.exit).toBe(1);
    const lines = demo.stdout().trimEnd().split('\n');
    const summary =
      /^summary: (\d+) pushed, (\d+) handled and acked, (\d+) corrupt sent to node 'dead' \((\d+) found there\), \d+ glitches retried in the handler, in [\d.]+ s$/.exec(
        lines.at(-2) ?? '',
      );
    expect(summary, lines.at(-2)).not.toBeNull();
    const [pushed, handled, dead, found] = summary!.slice(1).map(Number) as [number, number, number, number];
    expect(pushed).toBeGreaterThan(0);
    expect(pushed).toBeLessThan(100_000);
    expect(handled + dead).toBeLessThanOrEqual(pushed);
    expect(found).toBe(dead);
    expect(lines.at(-1)).toBe(`stopped by a signal: ${pushed} of 100000 readings pushed`);
  });

  it.skipIf(!existsSync('/usr/bin/script'))(
    'keeps its live line within the width of a narrow terminal',
    async () => {
      built('cli/scirocco.js');
      const { stdout } = await run(
        'script',
        [
          '-qec',
          `stty cols 40 rows 10; '${process.execPath}' '${built('cli/scirocco.js')}' demo --count 40`,
          '/dev/null',
        ],
        { env: { PATH: process.env.PATH ?? '' } },
      );
      const progress = stdout
        .split(/\r?\n|\r/)
        .map((segment) => segment.replaceAll('\x1b[K', ''))
        .filter((segment) => segment.startsWith('pushed '));
      expect(progress.length).toBeGreaterThan(0);
      for (const segment of progress) expect(segment.length, segment).toBeLessThan(40);
      expect(
        stdout.split('\n').filter((line) => line.includes('pushed ') && !line.startsWith('summary')).length,
      ).toBe(1);
      expect(stdout).toContain('ok: every reading ended as expected');
    },
    60_000,
  );

  describe('against an existing server', () => {
    const srv = useServer({ token: 'demo-token' });

    it('runs with --url, --token and --node, and leaves nothing behind', async () => {
      const demo = cli(['demo', '--url', srv.url, '--token', 'demo-token', '--node', 'c3', '--count', '50']);
      expect(await demo.exit).toBe(0);
      expect(demo.stdout()).toContain('ok: every reading ended as expected');
      expect(demo.stdout()).toContain('summary: 50 pushed, 49 handled and acked, 1 corrupt');
      const left = await nodeClient(srv.url, 'c3').send({
        path: '/messages?limit=100',
        headers: { Authorization: 'demo-token' },
      });
      const statuses = new Set(left.json<{ status: string }[]>().map((m) => m.status));
      expect([...statuses]).toEqual(['processed']);
    }, 60_000);

    it('touches only the messages it made, on nodes of its own that it names', async () => {
      const other = nodeClient(srv.url, 'ee');
      const auth = { Authorization: 'demo-token' };
      expect((await other.push('dead', { theirs: 'dead letter' }, auth)).status).toBe(201);
      expect((await other.push('b2', { theirs: 'reading' }, auth)).status).toBe(201);
      const demo = cli(['demo', '--url', srv.url, '--token', 'demo-token', '--count', '20']);
      expect(await demo.exit).toBe(0);
      expect(demo.stdout().split('\n')[0]).toMatch(
        /^demo: 20 readings from node a1[0-9a-f]{8} to node b2[0-9a-f]{8} on http:\/\/127\.0\.0\.1:\d+, dead letters to node dead[0-9a-f]{8}$/,
      );
      expect(demo.stdout()).toContain('summary: 20 pushed, 19 handled and acked, 1 corrupt');
      const theirs = (await other.send({ path: '/messages', headers: auth })).json<{ status: string }[]>();
      expect(theirs.map((m) => m.status)).toEqual(['pending', 'pending']);
    }, 60_000);
  });
});
