import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
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
      /^demo: 240 readings from node a1 to node b2 on http:\/\/127\.0\.0\.1:\d+ \(embedded server\)$/,
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
  });
});
