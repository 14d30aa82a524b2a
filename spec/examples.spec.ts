import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { pythonClientTour } from '../examples/client/python-client-tour.js';
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
});
