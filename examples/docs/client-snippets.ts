// Snippets of docs/client.md, type-checked by the test suite.
import { createClient } from 'scirocco-rx';

const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });

await client.push('af123', { remind: 'me' }, { scheduledAt: new Date(Date.now() + 60_000) });

// ## Extensions
export async function canNack(): Promise<boolean> {
  const { nack } = (await client.extensions()).unwrapOr({ nack: false });
  return nack;
}
