import { errorOf } from '../support/result.js';
import { describe, expect, it } from 'vitest';
import {
  describeValue,
  validateHeaderValue,
  validateMessageId,
  validateNodeId,
  validatePayloadType,
  validateScheduledAt,
} from '../../lib/protocol/validation.js';

describe('validateNodeId', () => {
  it.each(['af123', '0', 'ABCDEF0123456789abcdef'])('accepts %j', (id) => {
    expect(validateNodeId(id).unwrap()).toBe(id);
  });

  it.each([
    ['', 'node id must be a non-empty hexadecimal string (0-9, a-f, A-F), got ""'],
    ['xyz', 'node id must be a non-empty hexadecimal string (0-9, a-f, A-F), got "xyz"'],
    ['af 12', 'node id must be a non-empty hexadecimal string (0-9, a-f, A-F), got "af 12"'],
    ['af\r\n12', 'node id must be a non-empty hexadecimal string (0-9, a-f, A-F), got "af\\r\\n12"'],
    [123, 'node id must be a non-empty hexadecimal string (0-9, a-f, A-F), got number 123'],
    [undefined, 'node id must be a non-empty hexadecimal string (0-9, a-f, A-F), got undefined'],
    [null, 'node id must be a non-empty hexadecimal string (0-9, a-f, A-F), got null'],
  ])('refuses %j with an exact message', (id, message) => {
    expect(errorOf(validateNodeId(id))).toBe(message);
  });

  it('names the value as the caller labels it', () => {
    expect(errorOf(validateNodeId('g', 'destination node id'))).toBe(
      'destination node id must be a non-empty hexadecimal string (0-9, a-f, A-F), got "g"',
    );
  });
});

describe('validateMessageId', () => {
  it('accepts 24 hex characters and returns them in lowercase', () => {
    expect(validateMessageId('5823A70203C123003DE4229B').unwrap()).toBe('5823a70203c123003de4229b');
  });

  it.each([
    ['abc', 'message id must be 24 hexadecimal characters, got "abc"'],
    [
      '5823a70203c123003de4229',
      'message id must be 24 hexadecimal characters, got "5823a70203c123003de4229"',
    ],
    [
      '5823a70203c123003de4229bb',
      'message id must be 24 hexadecimal characters, got "5823a70203c123003de4229bb"',
    ],
    [
      '5823a70203c123003de4229g',
      'message id must be 24 hexadecimal characters, got "5823a70203c123003de4229g"',
    ],
    ['../../globalDataSpace', 'message id must be 24 hexadecimal characters, got "../../globalDataSpace"'],
    [{}, 'message id must be 24 hexadecimal characters, got object'],
  ])('refuses %j with an exact message', (id, message) => {
    expect(errorOf(validateMessageId(id))).toBe(message);
  });
});

describe('validateHeaderValue', () => {
  it('accepts printable ASCII', () => {
    expect(validateHeaderValue('a b~!', 'x').unwrap()).toBe('a b~!');
  });

  it.each(['a\nb', 'a\rb', 'a\u0000b', 'a\tb', 'é', '\u2028'])('refuses %j', (value) => {
    expect(errorOf(validateHeaderValue(value, 'payloadType'))).toBe(
      `payloadType must contain only printable ASCII characters (no CR, LF or other control characters), got ${JSON.stringify(value)}`,
    );
  });

  it('never shows a secret value', () => {
    const error = errorOf(validateHeaderValue('s3cret\n', 'token', true));
    expect(error).toBe(
      'token must contain only printable ASCII characters (no CR, LF or other control characters)',
    );
    expect(error).not.toContain('s3cret');
  });

  it('refuses values that are not strings', () => {
    expect(errorOf(validateHeaderValue(5, 'token'))).toBe('token must be a string, got number 5');
  });
});

describe('validatePayloadType', () => {
  it('accepts 1 to 30 characters', () => {
    expect(validatePayloadType('t').isOk()).toBe(true);
    expect(validatePayloadType('x'.repeat(30)).isOk()).toBe(true);
  });

  it('refuses an empty or too long type with its length', () => {
    expect(errorOf(validatePayloadType(''))).toBe('payloadType must be 1 to 30 characters long, got 0');
    expect(errorOf(validatePayloadType('x'.repeat(31)))).toBe(
      'payloadType must be 1 to 30 characters long, got 31',
    );
  });

  it('refuses header-unsafe characters before the length', () => {
    expect(errorOf(validatePayloadType('a\r\nX-Injected: 1'))).toMatch(
      /^payloadType must contain only printable ASCII/,
    );
  });
});

describe('validateScheduledAt', () => {
  const now = Date.UTC(2026, 10, 25, 12);

  it('accepts a time after now', () => {
    const at = new Date(now + 1);
    expect(validateScheduledAt(at, now).unwrap()).toBe(at);
  });

  it('refuses now and the past', () => {
    expect(errorOf(validateScheduledAt(new Date(now), now))).toBe(
      'scheduledAt must be in the future, got 2026-11-25T12:00:00.000Z',
    );
  });

  it('refuses invalid dates and non-dates', () => {
    expect(errorOf(validateScheduledAt(new Date('nope'), now))).toBe(
      'scheduledAt must be a valid Date, got Invalid Date',
    );
    expect(errorOf(validateScheduledAt('2030-01-01', now))).toBe(
      'scheduledAt must be a valid Date, got "2030-01-01"',
    );
    expect(errorOf(validateScheduledAt(1e13, now))).toBe(
      'scheduledAt must be a valid Date, got number 10000000000000',
    );
  });
});

describe('describeValue', () => {
  it('cuts long strings and tells their length', () => {
    expect(describeValue('a'.repeat(50))).toBe(`"${'a'.repeat(40)}…" (50 characters)`);
  });

  it('names kinds', () => {
    expect(describeValue([1])).toBe('an array');
    expect(describeValue(10n)).toBe('bigint 10');
    expect(describeValue(true)).toBe('boolean true');
    expect(describeValue(() => 1)).toBe('function');
    expect(describeValue(Symbol('s'))).toBe('symbol');
  });
});
