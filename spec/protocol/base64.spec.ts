import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from '../../lib/protocol/base64.js';
import { sameBytes } from '../support/bytes.js';

describe('encodeBase64 / decodeBase64', () => {
  it.each([0, 1, 2, 3, 4, 5, 100, 12_289, 900 * 1024])(
    'round-trips %i random bytes as Buffer does',
    (size) => {
      const bytes = new Uint8Array(randomBytes(size));
      const text = encodeBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect(sameBytes(decodeBase64(text), bytes)).toBe(true);
    },
  );

  it('decodes without padding and across line breaks', () => {
    expect(decodeBase64('AAEC/w')).toEqual(new Uint8Array([0, 1, 2, 255]));
    expect(decodeBase64('AAEC\r\n/w==')).toEqual(new Uint8Array([0, 1, 2, 255]));
  });

  it.each(['A', 'AAEC/w=', 'AA=C', 'not base64!', '====', 'AAE-', 'AAEC/w===', 'é'])('refuses %j', (text) => {
    expect(decodeBase64(text)).toBeUndefined();
  });
});
