// Every code block of the Python client's README, in TypeScript. The test suite runs this file
// against a server on a free port.
import { readFile } from 'node:fs/promises';
import { createClient } from 'scirocco-rx';

export async function pythonClientTour(url: string, binaryFile: string): Promise<string[]> {
  const seen: string[] = [];

  // Instantiating the client: HTTPClient('http://localhost', 'af123', 'DEFAULT_TOKEN')
  const client = createClient({ url, node: 'af123', token: 'DEFAULT_TOKEN' });

  // Pushing messages: message_queue_push('af123', {...}), ('af123', 'message'), ('af123', binfile)
  await client.push('af123', { type: 'message' });
  await client.push('af123', 'message');
  const binfile = await readFile(binaryFile);
  await client.push('af123', binfile);

  // Receiving messages: message_queue_pull() returns None when nothing is due
  for (;;) {
    const pulled = await client.pull();
    if (pulled.isErr()) throw pulled.error; // a SciroccoError: kind, status, retryable, message
    if (pulled.value.isNone()) break;
    const message = pulled.value.value;
    console.log(message.metadata); // system_data: id, status, tries, createdTime (a Date), ...
    console.log(message.payload); // message_data: an object, a string, or a Uint8Array — not base64

    // Confirming messages: message_queue_ack('5823a70203c123003de4229b')
    const acked = await client.ack(message.metadata.id);
    if (acked.isOk()) seen.push(`${acked.value.metadata.status} ${describe(message.payload)}`);
  }

  client.close();
  return seen;
}

function describe(payload: unknown): string {
  if (payload instanceof Uint8Array) return `${payload.byteLength} bytes`;
  return typeof payload === 'string' ? payload : JSON.stringify(payload);
}
