import { describe, expect, it } from 'vitest';
import { SciroccoError, type SciroccoErrorKind } from '../../lib/client/scirocco-error.js';
import { TransportFailure } from '../../lib/client/transport.js';
import { lostAnswer } from '../../lib/rx/lost-answer.js';

const failure = (kind: SciroccoErrorKind, code?: string) =>
  new SciroccoError(kind, 'pull failed', {
    operation: 'pull',
    ...(kind === 'network' || kind === 'timeout'
      ? { cause: new TransportFailure(kind, 'failed', code) }
      : {}),
  });

describe('lostAnswer: whether a failed request may have reached the server', () => {
  it.each([
    ['a timeout', failure('timeout'), true],
    ['a connection reset', failure('network', 'ECONNRESET'), true],
    ['a socket closed by the other side (undici)', failure('network', 'UND_ERR_SOCKET'), true],
    ['a refused connection', failure('network', 'ECONNREFUSED'), false],
    ['an unknown host', failure('network', 'ENOTFOUND'), false],
    ['a network failure with no code (a browser)', failure('network'), false],
    ['a server error', failure('server'), false],
  ])('%s: %s', (_, error, expected) => {
    expect(lostAnswer(error)).toBe(expected);
  });
});
