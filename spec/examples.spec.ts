import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { pythonClientTour } from '../examples/client/python-client-tour.js';
import { consume, produce } from '../examples/node/pipeline.js';
import { built } from './support/dist.js';
import { useServer } from './support/server.js';

describe('examples', () => {
  const srv = useServer();

  it('python-client-tour does every block of the Python client README', async () => {
    built('index.js'); // the example imports the package by name
    const file = join(await mkdtemp(join(tmpdir(), 'scirocco-')), 'file.bin');
    await writeFile(file, Buffer.from([0, 1, 2, 255]));
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await pythonClientTour(srv.url, file)).toEqual([
        'processed {"type":"message"}',
        'processed message',
        'processed 4 bytes',
      ]);
      expect(log).toHaveBeenCalledWith(new Uint8Array([0, 1, 2, 255]));
    } finally {
      log.mockRestore();
    }
  });

  it('node/pipeline produces readings and consumes them until stopped gracefully', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const stop = new AbortController();
      const consumed = consume(srv.url, stop.signal);
      expect(await produce(srv.url, 20, 5)).toBe(20);
      for (let waited = 0; waited < 5_000 && log.mock.calls.length < 20; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      stop.abort();
      expect(await consumed).toBe(20);
      expect(log.mock.calls.map(([line]) => String(line))).toContain('20 °C');
    } finally {
      log.mockRestore();
    }
  });
});
