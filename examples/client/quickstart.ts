// The README's client quickstart, type-checked by the test suite.
import { createClient } from 'scirocco-rx';

const client = createClient({ url: 'http://localhost:8000', node: 'af123', token: 'DEFAULT_TOKEN' });

await client.push('af123', { type: 'message' }); // objects and arrays as JSON
await client.push('af123', 'message'); // strings as text
await client.push('af123', Buffer.from([1, 2, 3]), { scheduledAt: new Date(Date.now() + 5_000) });

const pulled = await client.pull<{ type: string }>(); // Result<Option<SciroccoMessage<T>>, SciroccoError>
if (pulled.isOk() && pulled.value.isSome()) {
  const { metadata, payload } = pulled.value.value; // metadata.createdTime is a Date
  console.log(payload.type);
  await client.ack(metadata.id);
} else if (pulled.isErr()) {
  console.error(pulled.error.kind, pulled.error.message); // 'network', 'auth', ...
}
