import { describe, expect, it } from 'vitest';
import { formatExtensions, parseExtensions } from '../../lib/protocol/server-extensions.js';

describe('the Scirocco-Extensions header', () => {
  it.each([
    [undefined, { nack: false }],
    ['', { nack: false }],
    ['nack', { nack: true }],
    ['nack, processing-timeout=30000', { nack: true, processingTimeoutMs: 30_000 }],
    ['NACK,max-waiting=100', { nack: true, maxWaitingPerNode: 100 }],
    [
      'max-waiting=5, processing-timeout=200, nack',
      { nack: true, processingTimeoutMs: 200, maxWaitingPerNode: 5 },
    ],
    ['batch-pull=100, nack', { nack: true, maxBatchPull: 100 }],
    ['long-poll=20000', { nack: false, maxPullWaitMs: 20_000 }],
    ['batch-ack=100', { nack: false, maxBatchAck: 100 }],
    ['batch-push=100, batch-push-kb=1024', { nack: false, maxBatchPush: 100, maxBatchPushKb: 1024 }],
    ['summary, trace-context', { nack: false, summary: true, traceContext: true }],
    ['summary=1, trace-context=yes', { nack: false }],
    // Unknown names and malformed values are ignored: a newer server's header still reads.
    [
      'nack, batch=50, processing-timeout=soon, max-waiting=, batch-pull=0, long-poll=0, batch-ack=0, batch-push=0, batch-push-kb=x',
      { nack: true },
    ],
  ] as const)('reads %j', (header, extensions) => {
    expect(parseExtensions(header)).toEqual(extensions);
  });

  it('writes what it reads', () => {
    const all = {
      nack: true,
      processingTimeoutMs: 30_000,
      maxWaitingPerNode: 1_000,
      maxBatchPull: 50,
      maxPullWaitMs: 5_000,
      maxBatchAck: 20,
      maxBatchPush: 30,
      maxBatchPushKb: 512,
    };
    expect(formatExtensions(all)).toBe(
      'nack, processing-timeout=30000, max-waiting=1000, batch-pull=50, long-poll=5000, batch-ack=20, ' +
        'batch-push=30, batch-push-kb=512',
    );
    expect(parseExtensions(formatExtensions(all))).toEqual(all);
    expect(formatExtensions({ nack: false })).toBe('');
  });
});
