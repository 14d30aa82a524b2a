import type { IncomingMessage } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { charsetOf, mediaTypeOf } from '../protocol/payload-kind.js';
import type { StoredPayload } from './message-store.js';
import { payloadLimitBytes } from '../protocol/queue-limits.js';
import type { ServerLimits } from './server-limits.js';

/** A request body read by its Content-Type, or `none` when no parser takes it. */
export type RequestBody = StoredPayload | { readonly kind: 'none' };

/** Why a body could not be read: the HTTP status and message to answer with. */
export interface BodyFailure {
  readonly status: number;
  readonly message: string;
  /** The body was not read to its end: the connection must close after the answer. */
  readonly unread: boolean;
  /** The client went away: there is no one to answer. */
  readonly aborted?: boolean;
}

type BodyKind = StoredPayload['kind'];

const KIND_OF_MEDIA: Readonly<Record<string, BodyKind>> = {
  'application/json': 'json',
  'text/plain': 'text',
  'application/octet-stream': 'bytes',
};

const UTF8 = new TextDecoder();

function emptyBody(kind: BodyKind): StoredPayload {
  if (kind === 'bytes') return { kind, value: new Uint8Array(0) };
  return kind === 'json' ? { kind, value: '{}' } : { kind, value: '' };
}

function fail(status: number, message: string, unread = true): BodyFailure {
  return { status, message, unread };
}

/** What decoding the body will need, checked before a byte is read. */
function checkHeaders(req: IncomingMessage, kind: BodyKind, limit: number): BodyFailure | TextDecoder {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (!['identity', 'gzip', 'deflate'].includes(encoding)) {
    return fail(415, `unsupported content encoding "${encoding.toUpperCase()}"`);
  }
  const charset = charsetOf(req.headers['content-type']);
  if (kind === 'json' && charset !== undefined && !charset.startsWith('utf-')) {
    return fail(415, `unsupported charset "${charset.toUpperCase()}"`);
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return fail(413, 'request entity too large');
  if (kind !== 'text' || charset === undefined) return UTF8;
  try {
    return new TextDecoder(charset);
  } catch {
    return fail(415, `unsupported charset "${charset.toUpperCase()}"`);
  }
}

function collect(req: IncomingMessage, limit: number): Promise<Buffer | BodyFailure> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  const inflater: Transform | undefined =
    encoding === 'gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : undefined;
  const source: Readable = inflater ? req.pipe(inflater) : req;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: Buffer | BodyFailure): void => {
      if (settled) return;
      settled = true;
      if (inflater) {
        req.unpipe(inflater);
        inflater.destroy();
      }
      resolve(outcome);
    };
    source.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.resume(); // discard the rest; the connection closes after the 413
      settle(fail(413, 'request entity too large'));
    });
    source.on('end', () => {
      settle(Buffer.concat(chunks, size));
    });
    source.on('error', () => {
      settle(fail(400, `the ${encoding} body cannot be inflated`));
    });
    req.on('error', () => {
      settle({ ...fail(400, 'request aborted'), aborted: true });
    });
    req.on('close', () => {
      if (!req.complete) settle({ ...fail(400, 'request aborted'), aborted: true });
    });
  });
}

function parse(kind: BodyKind, bytes: Buffer, decoder: TextDecoder): StoredPayload | BodyFailure {
  if (bytes.length === 0) return emptyBody(kind);
  if (kind === 'bytes') return { kind, value: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) };
  const text = decoder.decode(bytes);
  if (kind === 'text') return { kind, value: text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return fail(400, (error as Error).message, false);
  }
  if (typeof parsed !== 'object' || parsed === null) {
    return fail(400, 'a JSON body must be an object or an array', false);
  }
  return { kind, value: text.trim() };
}

/**
 * Reads a request body the way the original server's body parsers do: by the media type of its
 * Content-Type (parameters allowed here), `application/json` strictly (an object or array),
 * `text/plain` in its charset, `application/octet-stream` as bytes, each within its limit;
 * gzip and deflate inflated. A body of any other type is left unread (`none`): whoever answers
 * closes the connection rather than read a body of any length that nothing uses.
 */
export async function readBody(
  req: IncomingMessage,
  limits: ServerLimits,
  /** The most bytes of this body, where its route has a limit of its own (a batch push). */
  limitBytes?: number,
): Promise<RequestBody | BodyFailure> {
  const kind = KIND_OF_MEDIA[mediaTypeOf(req.headers['content-type']) ?? ''];
  // A body no parser takes is never read: the answer closes the connection instead.
  if (kind === undefined) return { kind: 'none' };
  if (!hasBody(req)) return emptyBody(kind);
  const limit = limitBytes ?? payloadLimitBytes(limits, kind);
  const decoder = checkHeaders(req, kind, limit);
  if (!(decoder instanceof TextDecoder)) return decoder;
  const bytes = await collect(req, limit);
  return Buffer.isBuffer(bytes) ? parse(kind, bytes, decoder) : bytes;
}

/** Whether a request comes with a body to read (chunked, or of a length above 0). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Tells a {@link BodyFailure} from a body. */
export function isBodyFailure(body: RequestBody | BodyFailure): body is BodyFailure {
  return 'status' in body;
}
