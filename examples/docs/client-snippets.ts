// Snippets of docs/client.md, type-checked by the test suite.
import { createClient } from 'scirocco-rx';

const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });

await client.push('af123', { remind: 'me' }, { scheduledAt: new Date(Date.now() + 60_000) });

// ## Extensions
export async function canNack(): Promise<boolean> {
  const { nack } = (await client.extensions()).unwrapOr({ nack: false });
  return nack;
}

// ### Waiting and batch pulls
export async function drainOnce(): Promise<void> {
  const batch = await client.pullMany<{ n: number }>({ max: 10, waitMs: 20_000 });
  for (const message of batch.unwrapOr([])) await client.ack(message.metadata.id);
}

export async function ackAll(): Promise<number> {
  const batch = await client.pullMany<{ n: number }>({ max: 10, waitMs: 20_000 });
  const settled = (await client.ackMany(batch.unwrapOr([]).map((m) => m.metadata.id))).unwrapOr([]);
  const failed = settled.filter((outcome) => outcome.isErr());
  return failed.length;
}

export async function pushReadings(): Promise<number> {
  const readings = [20, 21, 22].map((celsius) => ({ destination: 'b2', payload: { celsius } }));
  const outcomes = (await client.pushMany(readings)).unwrapOr([]);
  const refused = outcomes.filter((outcome) => outcome.isErr());
  return refused.length;
}

// ## Recovering stuck messages
export async function reap(): Promise<void> {
  const recovery = await client.recoverStuck({ olderThan: 10 * 60_000 });
  if (recovery.isErr()) throw recovery.error;
  const { stuck, recovered, failed, listFull } = recovery.value;
  console.log(`${recovered.length} of ${stuck.length} stuck messages back in the queue`);
  for (const { message, error } of failed) console.error(message.metadata.id, error.message);
  if (listFull) console.warn('the list was full: more stuck messages may hide behind it');
}
