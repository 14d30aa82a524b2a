/** The bytes a client accepts: Node's `Buffer` is a `Uint8Array`. */
export type Bytes = Uint8Array | ArrayBuffer | ArrayBufferView;

/**
 * What can be pushed: a plain object or array (sent as JSON), a string (text) or bytes.
 * Anything else of type `object` (a `Map`, a function) is refused at run time.
 */
export type Payload = object | string;

/**
 * The payload a message carries back for what was pushed: strings stay strings, every kind of
 * bytes comes back as a `Uint8Array`, JSON as itself.
 *
 * @example
 * ```ts
 * import type { PayloadOf } from 'scirocco-rx';
 *
 * type A = PayloadOf<{ type: string }>; // { type: string }
 * type B = PayloadOf<Buffer>; // Uint8Array
 * type C = PayloadOf<'hello'>; // string
 * ```
 */
export type PayloadOf<P> = P extends string ? string : P extends Bytes ? Uint8Array : P;
