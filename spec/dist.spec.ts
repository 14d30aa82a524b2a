import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { built, ROOT } from './support/dist.js';

const run = promisify(execFile);

/**
 * vitest's module interop can hide ESM mistakes (a missing .js extension, a named import from a
 * CommonJS package): this imports the built package by its own name under plain node.
 */
describe('the built package under plain node', () => {
  it('imports scirocco-rx and scirocco-rx/server through the exports map and runs them', async () => {
    built('index.js');
    const script = `
      import { parseDate, encodePayload, decodePayload, HEADERS } from 'scirocco-rx';
      import { startServer } from 'scirocco-rx/server';
      const server = await startServer();
      const res = await fetch(server.url + '/messageQueue', {
        method: 'POST',
        headers: { Authorization: 'DEFAULT_TOKEN', [HEADERS.nodeSource]: 'af', [HEADERS.nodeDestination]: 'af', 'Content-Type': 'application/octet-stream' },
        body: encodePayload(new Uint8Array([7, 8])).unwrap().body,
      });
      const created = parseDate(res.headers.get(HEADERS.createdTime));
      const payload = decodePayload(res.headers.get('content-type'), new Uint8Array(await res.arrayBuffer())).unwrap();
      await server.close();
      console.log(JSON.stringify({ status: res.status, created: created instanceof Date, payload: [...payload] }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
    expect(JSON.parse(stdout)).toEqual({ status: 201, created: true, payload: [7, 8] });
  });

  it('runs createClient (got by default) against the server under plain node', async () => {
    const script = `
      import { createClient, isSciroccoError } from 'scirocco-rx';
      import { startServer } from 'scirocco-rx/server';
      const server = await startServer();
      const client = createClient({ url: server.url, node: 'af123', token: 'DEFAULT_TOKEN' });
      const pushed = (await client.push('af123', new Uint8Array([1, 2]))).unwrap();
      const pulled = (await client.pull()).unwrap().unwrap();
      const acked = (await client.ack(pulled.metadata.id)).unwrap();
      const missing = (await client.ack(pulled.metadata.id)).unwrapErr();
      client.close();
      await server.close();
      console.log(JSON.stringify({
        same: pushed.metadata.id === acked.metadata.id,
        payload: [...pulled.payload],
        status: acked.metadata.status,
        error: isSciroccoError(missing) && missing.kind,
      }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
    expect(JSON.parse(stdout)).toEqual({
      same: true,
      payload: [1, 2],
      status: 'processed',
      error: 'not-found',
    });
  });

  it('can be required from CommonJS on Node >= 20.19, every entry point, with no warning', async () => {
    const script = `
      const { createClient, encodePayload } = require('scirocco-rx');
      const { startServer } = require('scirocco-rx/server');
      const { createMemoryQueue } = require('scirocco-rx/testing');
      const { undiciTransport } = require('scirocco-rx/undici');
      const { fetchTransport } = require('scirocco-rx/browser');
      console.log([createClient, startServer, createMemoryQueue, undiciTransport, fetchTransport].map((f) => typeof f).join());
      console.log(encodePayload('x').unwrap().kind);
    `;
    const { stdout, stderr } = await run(process.execPath, ['--input-type=commonjs', '-e', script], {
      cwd: ROOT,
    });
    expect(stdout).toBe('function,function,function,function,function\ntext\n');
    expect(stderr).toBe('');
  });

  it('traces with scirocco-rx/opentelemetry, and loads no OpenTelemetry module without it', async () => {
    const script = `
      import { createClient } from 'scirocco-rx';
      import { startServer } from 'scirocco-rx/server';
      const server = await startServer();
      const plain = createClient({ url: server.url, node: 'af123', token: 'DEFAULT_TOKEN' });
      (await plain.push('af123', 'x')).unwrap();
      const { openTelemetry } = await import('scirocco-rx/opentelemetry');
      const traced = createClient({ url: server.url, node: 'af123', token: 'DEFAULT_TOKEN', telemetry: openTelemetry() });
      (await traced.push('af123', 'y')).unwrap();
      plain.close();
      traced.close();
      await server.close();
      console.log(JSON.stringify({ openTelemetry: typeof openTelemetry }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
    expect(JSON.parse(stdout)).toEqual({ openTelemetry: 'function' });
    // The entry points other than scirocco-rx/opentelemetry import nothing of OpenTelemetry.
    const { readFileSync, readdirSync } = await import('node:fs');
    const files = readdirSync(built(''), { recursive: true, encoding: 'utf8' }).filter(
      (file) => file.endsWith('.js') && file !== 'opentelemetry.js' && !file.startsWith('otel'),
    );
    const importing = files.filter((file) => readFileSync(built(file), 'utf8').includes('@opentelemetry'));
    expect(importing).toEqual([]);
  });

  it('ships a runnable bin with a shebang', async () => {
    const { stdout } = await run(built('cli/scirocco.js'), ['--version']);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
