import { describe, expect, it } from 'vitest';
import { charsetOf, mediaTypeOf, payloadKindOfContentType } from '../../lib/protocol/payload-kind.js';

describe('payloadKindOfContentType', () => {
  it('maps the three content types exactly', () => {
    expect(payloadKindOfContentType('application/json')).toBe('json');
    expect(payloadKindOfContentType('text/plain')).toBe('text');
    expect(payloadKindOfContentType('application/octet-stream')).toBe('bytes');
  });

  it.each(['application/json; charset=utf-8', 'Application/JSON', 'text/html', '', undefined, ' text/plain'])(
    'refuses %j',
    (type) => {
      expect(payloadKindOfContentType(type)).toBeUndefined();
    },
  );
});

describe('mediaTypeOf / charsetOf', () => {
  it('splits a Content-Type', () => {
    expect(mediaTypeOf('Text/HTML; Charset="UTF-8"')).toBe('text/html');
    expect(charsetOf('Text/HTML; Charset="UTF-8"')).toBe('utf-8');
    expect(charsetOf('text/plain')).toBeUndefined();
    expect(mediaTypeOf('')).toBeUndefined();
    expect(mediaTypeOf(null)).toBeUndefined();
  });
});
