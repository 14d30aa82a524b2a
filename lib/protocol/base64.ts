const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ENCODE = new Uint8Array(64);
const DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) {
  ENCODE[i] = ALPHABET.charCodeAt(i);
  DECODE[ALPHABET.charCodeAt(i)] = i;
}
const PAD = 0x3d; // '='
const ASCII = new TextDecoder('latin1');

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
  const length = bytes.length;
  const out = new Uint8Array(Math.ceil(length / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < length; i += 3) {
    const triple = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out[o++] = ENCODE[triple >> 18] as number;
    out[o++] = ENCODE[(triple >> 12) & 63] as number;
    out[o++] = ENCODE[(triple >> 6) & 63] as number;
    out[o++] = ENCODE[triple & 63] as number;
  }
  if (i < length) {
    const rest = length - i;
    const triple = ((bytes[i] as number) << 16) | (rest === 2 ? (bytes[i + 1] as number) << 8 : 0);
    out[o++] = ENCODE[triple >> 18] as number;
    out[o++] = ENCODE[(triple >> 12) & 63] as number;
    out[o++] = rest === 2 ? (ENCODE[(triple >> 6) & 63] as number) : PAD;
    out[o] = PAD;
  }
  return ASCII.decode(out);
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
  const clean = /[\t\n\f\r ]/.test(text) ? text.replace(/[\t\n\f\r ]+/g, '') : text;
  let end = clean.length;
  if (end % 4 === 0 && clean.charCodeAt(end - 1) === PAD) end -= clean.charCodeAt(end - 2) === PAD ? 2 : 1;
  if (end % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let o = 0;
  let value = 0;
  let bits = 0;
  for (let i = 0; i < end; i++) {
    const code = clean.charCodeAt(i);
    const sextet = code < 256 ? (DECODE[code] as number) : -1;
    if (sextet < 0) return undefined;
    value = ((value << 6) | sextet) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 0xff;
    }
  }
  return out;
}
