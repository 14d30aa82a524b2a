import { describe, expect, it } from 'vitest';
import { cli, until, type Run } from '../support/cli.js';
import { nodeClient } from '../support/http.js';
import { manualClock, useServer } from '../support/server.js';

const ID = '5823a70203c123003de4229b';

describe('scirocco client commands', () => {
  const srv = useServer({ token: 'cli-token-42' });
  const env = () => ({
    SCIROCCO_URL: srv.url,
    SCIROCCO_NODE: 'af123',
    SCIROCCO_MASTER_TOKEN: 'cli-token-42',
  });
  const run = async (args: string[], stdin?: Uint8Array | string): Promise<Run & { code: number | null }> => {
    const started = cli(args, env(), stdin);
    return { ...started, code: await started.exit };
  };
  const server = () => {
    const a = nodeClient(srv.url, 'af123');
    return {
      ...a,
      send: (options: Parameters<typeof a.send>[0] = {}) =>
        a.send({ ...options, headers: { Authorization: 'cli-token-42', ...options.headers } }),
    };
  };

  it('push sends JSON when the payload parses to an object, text otherwise, bytes from stdin', async () => {
    const json = await run(['push', '--to', 'af123', '{"a":1}']);
    expect(json.code).toBe(0);
    expect(json.stdout()).toMatch(
      /^id {10}[0-9a-f]{24}\nstatus {6}pending \(tries 0\)\nfrom → to {3}af123 → af123\ntype {8}application\/json\ncreated {5}\S+Z\npayload {5}\{"a":1\}\n$/,
    );
    const text = await run(['push', '--to', 'af123', '--type', 'greeting', '42']);
    expect(text.stdout()).toContain('type        greeting');
    expect(text.stdout()).toContain('payload     42');
    const bytes = await run(['push', '--to', 'af123', '-', '--json'], new Uint8Array([0, 1, 255]));
    expect(JSON.parse(bytes.stdout())).toMatchObject({
      metadata: { payloadType: 'application/octet-stream' },
      payload: { base64: 'AAH/' },
    });
    const forced = await run(['push', '--to', 'af123', '--as', 'text', '{"a":1}', '--json']);
    expect((JSON.parse(forced.stdout()) as { payload: unknown }).payload).toBe('{"a":1}');
  });

  it('push --as bytes sends an argument as its UTF-8 bytes, as from stdin', async () => {
    const bytes = await run(['push', '--to', 'af123', '--as', 'bytes', '{"a":1}', '--json']);
    expect(bytes.code).toBe(0);
    expect(JSON.parse(bytes.stdout())).toMatchObject({
      metadata: { payloadType: 'application/octet-stream' },
      payload: { base64: Buffer.from('{"a":1}').toString('base64') },
    });
    const text = await run(['push', '--to', 'af123', '--as', 'bytes', 'héllo', '--json']);
    expect((JSON.parse(text.stdout()) as { payload: unknown }).payload).toEqual({
      base64: Buffer.from('héllo').toString('base64'),
    });
  });

  it('push --at schedules the message', async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const pushed = await run(['push', '--to', 'af123', '--at', at, 'later', '--json']);
    expect((JSON.parse(pushed.stdout()) as { metadata: unknown }).metadata).toMatchObject({
      status: 'scheduled',
    });
    expect((await run(['pull'])).stdout()).toBe('');
  });

  it('pull claims, ack acknowledges, get shows', async () => {
    await run(['push', '--to', 'af123', 'hello']);
    const pulled = await run(['pull', '--json']);
    const message = JSON.parse(pulled.stdout()) as { metadata: { id: string; status: string } };
    expect(message.metadata.status).toBe('processing');
    const acked = await run(['ack', message.metadata.id]);
    expect(acked.code).toBe(0);
    expect(acked.stdout()).toContain('status      processed (tries 1)');
    const shown = await run(['get', message.metadata.id, '--json']);
    expect(JSON.parse(shown.stdout())).toMatchObject({ metadata: { status: 'processed' }, payload: 'hello' });
    expect((await run(['pull', '--json'])).stdout()).toBe('null\n');
  });

  it('ls prints a table, or JSON, with a limit', async () => {
    expect((await run(['ls'])).stdout()).toBe('no messages\n');
    for (const payload of ['one', 'two', 'three']) await run(['push', '--to', 'af123', payload]);
    const table = (await run(['ls', '--limit', '2'])).stdout().trimEnd().split('\n');
    expect(table[0]).toMatch(/^ID\s+STATUS\s+TRIES\s+FROM\s+TO\s+TYPE\s+CREATED\s+PAYLOAD$/);
    expect(table).toHaveLength(3);
    expect(table[1]).toMatch(/^[0-9a-f]{24}\s+pending\s+0\s+af123\s+af123\s+text\/plain\s+\S+Z\s+one$/);
    const json = JSON.parse((await run(['ls', '--json'])).stdout()) as { payload: string }[];
    expect(json.map((m) => m.payload)).toEqual(['one', 'two', 'three']);
  });

  it('rm deletes one message or all of them', async () => {
    const pushed = JSON.parse((await run(['push', '--to', 'af123', 'x', '--json'])).stdout()) as {
      metadata: { id: string };
    };
    await run(['push', '--to', 'af123', 'y']);
    await run(['push', '--to', 'af123', 'z']);
    expect((await run(['rm', pushed.metadata.id])).stdout()).toBe('deleted 1 message\n');
    expect((await run(['rm', '--all'])).stdout()).toBe('deleted 2 messages\n');
    expect((await run(['rm', '--all', '--json'])).stdout()).toBe('{"deleted":0}\n');
  });

  it('rm ID fails with exit code 1 when nothing was deleted', async () => {
    const pulled = JSON.parse((await run(['push', '--to', 'af123', 'x', '--json'])).stdout()) as {
      metadata: { id: string };
    };
    await run(['pull']);
    for (const id of [pulled.metadata.id, ID]) {
      const failed = await run(['rm', id]);
      expect(failed.code).toBe(1);
      expect(failed.stdout()).toBe('');
      expect(failed.stderr()).toBe(
        `scirocco rm: nothing deleted: node af123 sent no pending or scheduled message ${id}\nOnly a message this node sent that nobody pulled yet can be deleted: 'scirocco ls' lists this node's messages.\n`,
      );
    }
  });

  it('info answers with the server info', async () => {
    const info = await run(['info']);
    expect(info.code).toBe(0);
    expect(info.stdout()).toBe(
      'name     DDS endpoint.\nauthor   eloylp\nsource   https://github.com/eloylp/scirocco-server\n',
    );
  });

  it('watch --ack prints and acks messages live, and stops gracefully on Ctrl-C', async () => {
    const watching = cli(['watch', '--ack', '--interval', '50'], env());
    const a = server();
    await a.push('af123', { live: 1 }, { Authorization: 'cli-token-42' });
    for (let waited = 0; waited < 5_000 && !watching.stdout().includes('processed'); waited += 25) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    watching.child.kill('SIGINT');
    expect(await watching.exit).toBe(0);
    expect(watching.stdout()).toContain('payload     {"live":1}');
    const left = (await a.send({ path: '/messages' })).json<{ status: string }[]>();
    expect(left.map((m) => m.status)).toEqual(['processed']);
  });

  it('watch without --ack warns that messages are left processing', async () => {
    const watching = cli(['watch', '--interval', '50'], env());
    const warning = 'watching without --ack: messages are claimed and left processing\n';
    await until(watching, 'warning', () => watching.stderr().includes(warning));
    watching.child.kill('SIGTERM');
    expect(await watching.exit).toBe(0);
    expect(watching.stderr()).toBe(`watching node af123 on ${srv.url} (Ctrl-C stops)\n${warning}`);
  });

  it('watch tells what it watches, shows each failed poll and the next try, and exits 1 after failures', async () => {
    const watching = cli(['watch', '--ack', '--interval', '50'], {
      ...env(),
      SCIROCCO_URL: 'http://127.0.0.1:9',
    });
    await until(watching, 'backing-off line', () => /next try in/.test(watching.stderr()));
    watching.child.kill('SIGINT');
    expect(await watching.exit).toBe(1);
    expect(watching.stdout()).toBe('');
    expect(watching.stderr()).toMatch(
      /^watching node af123 on http:\/\/127\.0\.0\.1:9 \(Ctrl-C stops\)\nscirocco watch: pull GET \/messageQueue: .*ECONNREFUSED.*; next try in \d+(\.\d)? s \(failure 1\)\nIs a server running at http:\/\/127\.0\.0\.1:9\? Start one with 'scirocco serve'\.\n/,
    );
    expect(watching.stderr()).toMatch(/\nscirocco watch: stopped after \d+ failed polls? in a row\n$/);
  });

  it('watch says why nothing arrives when the server refuses the token, and exits 1', async () => {
    const watching = cli(['watch', '--ack'], { ...env(), SCIROCCO_MASTER_TOKEN: 'wrong' });
    expect(await watching.exit).toBe(1);
    expect(watching.stderr()).toBe(
      `watching node af123 on ${srv.url} (Ctrl-C stops)\nscirocco watch: pull GET /messageQueue: 403 Incorrect auth token.\nThe server refused the token: check --token or SCIROCCO_MASTER_TOKEN.\n`,
    );
  });

  it('keeps multi-line text payloads inside the ls table and the watch layout', async () => {
    await run(['push', '--to', 'af123', 'first line\n\nthird\tline\u001b[2J']);
    const table = (await run(['ls'])).stdout().trimEnd().split('\n');
    expect(table).toHaveLength(2);
    expect(table[1]).toMatch(/ first line\\n\\nthird\\tline\\u001b\[2J$/);
    const watching = cli(['watch', '--ack', '--interval', '50'], env());
    await until(watching, 'message', () => watching.stdout().endsWith('\n\n'));
    watching.child.kill('SIGINT');
    expect(await watching.exit).toBe(0);
    expect(watching.stdout()).toMatch(/\npayload {5}first line\n {12}\n {12}third\tline\\u001b\[2J\n\n$/);
  });

  it('tells a wrong URL path from a missing message', async () => {
    const wrong = await run(['info', '--url', `${srv.url}/prefix`]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr()).toBe(
      `scirocco info: info GET /: 404 Not Found\nNothing answers that path at ${srv.url}/prefix: check --url or SCIROCCO_URL (a path in it, such as /prefix, is kept).\n`,
    );
  });

  it('explains failed operations, with exit code 1 and a hint, never showing the token', async () => {
    const missing = await run(['ack', ID]);
    expect(missing.code).toBe(1);
    expect(missing.stderr()).toBe(
      `scirocco ack: ack PATCH /messageQueue/${ID}/ack: 404 Resource not found.\nNo such message for node af123 in that state: 'scirocco ls' lists this node's messages.\n`,
    );
    const wrongToken = cli(['info', '--token', 'not-the-token'], {
      SCIROCCO_URL: srv.url,
      SCIROCCO_NODE: 'af123',
    });
    expect(await wrongToken.exit).toBe(1);
    expect(wrongToken.stderr()).toBe(
      'scirocco info: info GET /: 403 Incorrect auth token.\nThe server refused the token: check --token or SCIROCCO_MASTER_TOKEN.\n',
    );
    const down = cli(['info'], { ...env(), SCIROCCO_URL: 'http://127.0.0.1:9' });
    expect(await down.exit).toBe(1);
    expect(down.stderr()).toMatch(
      /^scirocco info: info GET \/: .*ECONNREFUSED.*\nIs a server running at http:\/\/127\.0\.0\.1:9\? Start one with 'scirocco serve'\.\n$/,
    );
    for (const failed of [missing, wrongToken, down])
      expect(failed.stdout() + failed.stderr()).not.toContain('cli-token-42');
  });

  it.each([
    [
      ['pull'],
      { SCIROCCO_NODE: '' },
      "scirocco pull: --node is required (or set SCIROCCO_NODE)\nTry 'scirocco pull --help'.\n",
    ],
    [
      ['pull', '--node', 'xyz'],
      {},
      `scirocco pull: node must be a non-empty hexadecimal string (0-9, a-f, A-F), got "xyz"\nTry 'scirocco pull --help'.\n`,
    ],
    [
      ['ack', 'abc'],
      {},
      `scirocco ack: message id must be 24 hexadecimal characters, got "abc"\nTry 'scirocco ack --help'.\n`,
    ],
    [['ack'], {}, "scirocco ack: ack needs a message id\nTry 'scirocco ack --help'.\n"],
    [
      ['ls', '--limit', '0'],
      {},
      `scirocco ls: --limit must be a positive whole number, got "0"\nTry 'scirocco ls --help'.\n`,
    ],
    [['push', 'x'], {}, "scirocco push: --to NODE is required\nTry 'scirocco push --help'.\n"],
    [
      ['push', '--to', 'af123', ''],
      {},
      "scirocco push: payload must not be empty\nTry 'scirocco push --help'.\n",
    ],
    [
      ['push', '--to', 'af123', '--at', 'soon', 'x'],
      {},
      `scirocco push: --at must be an ISO 8601 time, got "soon"\nTry 'scirocco push --help'.\n`,
    ],
    [['rm'], {}, "scirocco rm: rm needs a message id, or --all\nTry 'scirocco rm --help'.\n"],
    [
      ['rm', '--all', ID],
      {},
      "scirocco rm: a message id and --all exclude each other: give one\nTry 'scirocco rm --help'.\n",
    ],
    [['info', '--bogus'], {}, "scirocco info: unknown option --bogus\nTry 'scirocco info --help'.\n"],
    [
      ['requeue'],
      {},
      "scirocco requeue: --older-than DURATION is required\nTry 'scirocco requeue --help'.\n",
    ],
    [
      ['requeue', '--older-than', 'later'],
      {},
      `scirocco requeue: --older-than must be a duration such as 10m or 500ms, got "later"\nTry 'scirocco requeue --help'.\n`,
    ],
    [
      ['ls', '--limt', '3'],
      {},
      "scirocco ls: unknown option --limt (did you mean --limit?)\nTry 'scirocco ls --help'.\n",
    ],
    [
      ['push', '--to', 'af123', '-x', 'y'],
      {},
      "scirocco push: unknown option -x\nTry 'scirocco push --help'.\n",
    ],
  ])('exits 2 on a usage error: %j', async (args, extra, message) => {
    const failed = cli(args, { ...env(), ...extra });
    expect(await failed.exit).toBe(2);
    expect(failed.stderr()).toBe(message);
  });

  it('has help on each command, as CMD --help and as help CMD', async () => {
    const help = await run(['help', 'watch']);
    expect(help.code).toBe(0);
    expect(help.stdout()).toBe((await run(['watch', '--help'])).stdout());
    expect(help.stdout()).toMatch(/^Usage: scirocco watch/);
    expect((await run(['help', 'serve'])).stdout()).toMatch(/^Usage: scirocco serve/);
    const unknown = await run(['help', 'pul']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr()).toBe(
      'scirocco: unknown command "pul" (did you mean pull?)\nTry \'scirocco --help\'.\n',
    );
  });

  it('has --help on each command', async () => {
    for (const name of ['push', 'pull', 'ack', 'get', 'ls', 'rm', 'watch', 'info', 'requeue']) {
      const help = await run([name, '--help']);
      expect(help.code, name).toBe(0);
      expect(help.stdout(), name).toMatch(new RegExp(`^Usage: scirocco ${name}`));
      expect(help.stdout(), name).toContain('--url URL');
    }
  });

  describe('ls against a server whose list maximum is 20', () => {
    const small = useServer({ token: 'cli-token-42', limits: { maxListMessages: 20 } });
    const ls = async (args: string[]) => {
      const started = cli(['ls', ...args], { ...env(), SCIROCCO_URL: small.url });
      return { ...started, code: await started.exit };
    };

    it('says when more messages exist than it shows, and when the server may have capped the list', async () => {
      const a = nodeClient(small.url, 'af123');
      for (let n = 0; n < 25; n++) await a.push('af123', `m${n}`, { Authorization: 'cli-token-42' });
      const one = await ls(['--limit', '1']);
      expect(one.code).toBe(0);
      expect(one.stdout().trimEnd().split('\n')).toHaveLength(2);
      expect(one.stderr()).toBe(
        "ls: more messages exist than the 1 shown; --limit N shows more, up to the server's maximum\n",
      );
      const note =
        'ls: the server sent 20 messages, which may be its list maximum: more may exist (it caps --limit there; SCIROCCO_MAX_GET_ALL_MESSAGES sets it)\n';
      const capped = await ls(['--limit', '50', '--json']);
      expect(JSON.parse(capped.stdout())).toHaveLength(20);
      expect(capped.stderr()).toBe(note);
      const plain = await ls([]);
      expect(plain.stdout().trimEnd().split('\n')).toHaveLength(21);
      expect(plain.stderr()).toBe(note);
    });
  });

  it('ls says nothing more when it shows every message', async () => {
    for (const payload of ['one', 'two', 'three']) await run(['push', '--to', 'af123', payload]);
    const some = await run(['ls', '--limit', '10']);
    expect(some.stdout().trimEnd().split('\n')).toHaveLength(4);
    expect(some.stderr()).toBe('');
  });

  it('ls says when the server sent its default maximum of 100, as more may exist', async () => {
    const a = server();
    for (let n = 0; n < 101; n++) await a.push('af123', `m${n}`, { Authorization: 'cli-token-42' });
    const all = await run(['ls']);
    expect(all.code).toBe(0);
    expect(all.stdout().trimEnd().split('\n')).toHaveLength(101);
    expect(all.stderr()).toBe(
      'ls: the server sent 100 messages, which may be its list maximum: more may exist (it caps --limit there; SCIROCCO_MAX_GET_ALL_MESSAGES sets it)\n',
    );
  });

  describe('requeue --older-than', () => {
    const clock = manualClock();
    const withNack = useServer({ token: 'cli-token-42', clock: clock.now });
    const plain = useServer({ token: 'cli-token-42', clock: clock.now, plain: true });
    /** Two messages claimed 20 minutes ago, one a moment ago; returns their ids. */
    const stuckAt = async (url: string) => {
      const a = nodeClient(url, 'af123');
      const auth = { Authorization: 'cli-token-42' };
      for (const payload of ['m0', 'm1', 'm2']) await a.push('af123', payload, auth);
      clock.advance(-20 * 60_000);
      const ids = [];
      for (let n = 0; n < 2; n++)
        ids.push((await a.send({ path: '/messageQueue', headers: auth })).headers['scirocco-id']);
      clock.reset();
      await a.send({ path: '/messageQueue', headers: auth });
      return ids;
    };
    const requeue = async (url: string, args: string[]) => {
      const started = cli(['requeue', ...args], { ...env(), SCIROCCO_URL: url });
      return { ...started, code: await started.exit };
    };

    it('lists the stuck messages with --dry-run, changing nothing', async () => {
      const ids = await stuckAt(plain.url);
      const dry = await requeue(plain.url, ['--older-than', '10m', '--dry-run']);
      expect(dry.code).toBe(0);
      const lines = dry.stdout().trimEnd().split('\n');
      expect(lines.map((line) => line.split(/\s+/).slice(0, 2))).toEqual([
        ['stuck', ids[0]],
        ['stuck', ids[1]],
        ['2', 'stuck'],
      ]);
      const again = await requeue(plain.url, ['--older-than', '10m', '--dry-run', '--json']);
      expect((JSON.parse(again.stdout()) as { stuck: unknown[] }).stuck).toHaveLength(2);
    });

    it('copies them on a plain server, nacks them where the server has nack', async () => {
      const copiedIds = await stuckAt(plain.url);
      const copied = await requeue(plain.url, ['--older-than', '10m']);
      expect(copied.code).toBe(0);
      const lines = copied.stdout().trimEnd().split('\n');
      expect(lines.slice(0, 2).map((line) => line.split(' as ')[0]?.split(/\s+/))).toEqual([
        ['copied', copiedIds[0]],
        ['copied', copiedIds[1]],
      ]);
      expect(lines[2]).toBe('2 stuck: 2 requeued, 0 settled meanwhile, 0 twice, 0 failed');
      const nackedIds = await stuckAt(withNack.url);
      const nacked = await requeue(withNack.url, ['--older-than', '10m', '--json']);
      expect(JSON.parse(nacked.stdout())).toMatchObject({
        recovered: nackedIds.map((id) => ({ id, via: 'nack', back: id })),
        failed: [],
        listFull: false,
      });
      const left = (await requeue(withNack.url, ['--older-than', '10m'])).stdout();
      expect(left).toBe('0 stuck: 0 requeued, 0 settled meanwhile, 0 twice, 0 failed\n');
    });

    it('says when the list was full', async () => {
      await stuckAt(plain.url);
      const partial = await requeue(plain.url, ['--older-than', '10m', '--dry-run', '--limit', '1']);
      expect(partial.stderr()).toBe(
        "requeue: the list was full: older messages may hide more stuck ones; raise --limit (and the server's SCIROCCO_MAX_GET_ALL_MESSAGES)\n",
      );
    });
  });
});
