import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../lib/create-client.js';
import { SciroccoError } from '../../lib/client/scirocco-error.js';
import { useServer } from '../support/server.js';
import { stubServer } from '../support/stub-server.js';

describe('cold Observable operations over HTTP', () => {
  const srv = useServer();
  const client = (url: string) => createClient({ url, node: 'aa', token: 'DEFAULT_TOKEN' });

  it('send nothing before subscribe, then one request per subscription', async () => {
    const a = client(srv.url);
    const push = a.push$('aa', { n: 1 });
    expect((await a.list()).unwrap()).toEqual([]);
    const first = await lastValueFrom(push);
    const second = await lastValueFrom(push);
    expect(first.metadata.id).not.toBe(second.metadata.id);
    expect((await lastValueFrom(a.pullNext$<{ n: number }>())).unwrap().payload).toEqual({ n: 1 });
    expect((await lastValueFrom(a.ack$(first.metadata.id))).metadata.status).toBe('processed');
    expect((await lastValueFrom(a.get$(second.metadata.id))).metadata.status).toBe('pending');
    expect(await lastValueFrom(a.list$({ limit: 1 }))).toHaveLength(1);
    expect((await lastValueFrom(a.update$(second.metadata.id, 'x'))).payload).toBe('x');
    expect(await lastValueFrom(a.delete$(second.metadata.id))).toBe(1);
    expect(await lastValueFrom(a.deleteAll$())).toBe(0);
    expect(await lastValueFrom(a.info$())).toHaveProperty('name', 'DDS endpoint.');
    expect(await lastValueFrom(a.wipe$())).toBe(1);
    a.close();
  });

  it('error with the SciroccoError', async () => {
    const a = client(srv.url);
    const error: unknown = await lastValueFrom(a.ack$('5823a70203c123003de4229b')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SciroccoError);
    expect(error).toMatchObject({ kind: 'not-found', status: 404 });
    a.close();
  });

  it('abort the request when unsubscribed while it is in flight', async () => {
    const socket = { arrived: false, closed: false };
    const stub = await stubServer((req) => {
      socket.arrived = true;
      req.socket.on('close', () => (socket.closed = true));
    });
    const a = client(stub.url);
    const subscription = a.get$('5823a70203c123003de4229b').subscribe();
    // Unsubscribe once the request is in flight at the server, not after a guessed time.
    for (let waited = 0; waited < 2_000 && !socket.arrived; waited += 5) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(socket.arrived).toBe(true);
    subscription.unsubscribe();
    for (let waited = 0; waited < 2_000 && !socket.closed; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(socket.closed).toBe(true);
    a.close();
  });
});
