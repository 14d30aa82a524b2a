const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/**
 * Encodes bytes as standard base64 (with padding), without Node's `Buffer`, so that it runs in
 * browsers too.
 *
 * @example
 * ```ts
 * import { encodeBase64 } from 'scirocco-rx';
 *
 * encodeBase64(new Uint8Array([0, 1, 2, 255])); // 'AAEC/w=='
 * ```
 */
export function encodeBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const chunk = 3 * 4096;
  for (let start = 0; start < bytes.length; start += chunk) {
    const end = Math.min(start + chunk, bytes.length);
    let out = '';
    for (let i = start; i < end; i += 3) {
      const a = bytes[i] ?? 0;
      const b = bytes[i + 1] ?? 0;
      const c = bytes[i + 2] ?? 0;
      const triple = (a << 16) | (b << 8) | c;
      out +=
        ALPHABET.charAt(triple >> 18) +
        ALPHABET.charAt((triple >> 12) & 63) +
        (i + 1 < end ? ALPHABET.charAt((triple >> 6) & 63) : '=') +
        (i + 2 < end ? ALPHABET.charAt(triple & 63) : '=');
    }
    parts.push(out);
  }
  return parts.join('');
}

/**
 * Decodes standard base64 (padding optional, ASCII white space ignored) to bytes.
 * Anything else, such as a character outside the alphabet or a stray `=`, gives `undefined`.
 *
 * @example
 * ```ts
 * import { decodeBase64 } from 'scirocco-rx';
 *
 * decodeBase64('AAEC/w=='); // Uint8Array [0, 1, 2, 255]
 * decodeBase64('not base64!'); // undefined
 * ```
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/[\t\n\f\r ]+/g, '');
  const body = clean.replace(/={1,2}$/, '');
  if (body.length % 4 === 1 || (clean.length !== body.length && clean.length % 4 !== 0)) return undefined;
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let index = 0;
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    const sextet = code < 128 ? (DECODE[code] ?? -1) : -1;
    if (sextet < 0) return undefined;
    value = ((value << 6) | sextet) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (value >> bits) & 0xff;
    }
  }
  return out;
}
