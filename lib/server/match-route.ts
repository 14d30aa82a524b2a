/** The resources of the protocol. */
export type RouteName =
  | 'info'
  | 'queue'
  | 'batch'
  | 'batchAck'
  | 'batchNack'
  | 'endWait'
  | 'summary'
  | 'ack'
  | 'nack'
  | 'messages'
  | 'message'
  | 'globalDataSpace';

/**
 * A matched route: its name and, for single-message routes, the id segment as sent (for
 * `endWait`, the wait's id).
 */
export interface Route {
  readonly name: RouteName;
  readonly id?: string;
}

/** The methods each route answers (HEAD answers like GET, but never claims a message). */
export const ROUTE_METHODS: Readonly<Record<RouteName, readonly string[]>> = Object.freeze({
  info: ['GET', 'HEAD'],
  queue: ['GET', 'HEAD', 'POST'],
  batch: ['GET', 'HEAD', 'POST'],
  batchAck: ['PATCH'],
  batchNack: ['PATCH'],
  endWait: ['DELETE'],
  summary: ['GET', 'HEAD'],
  ack: ['PATCH'],
  nack: ['PATCH'],
  messages: ['GET', 'HEAD', 'DELETE'],
  message: ['GET', 'HEAD', 'PATCH', 'DELETE'],
  globalDataSpace: ['DELETE'],
});

const HEX = /^[0-9a-f]+$/i;

/** An id segment percent-decoded, or `undefined` when its encoding is broken. */
function decodedId(segment: string): string | undefined {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * Matches a path as the original's router does: route names case-insensitively and only as
 * written (`/%6DessageQueue` is an unknown route, as in the original: an encoded name does not get
 * past a proxy rule on the plain path), id segments percent-decoded, empty segments and a trailing slash ignored, ids only of
 * hexadecimal characters (any other id is an unknown route).
 */
export function matchRoute(pathname: string): Route | undefined {
  const [first, encodedId, last, ...rest] = pathname.split('/').filter((segment) => segment !== '');
  if (rest.length > 0) return undefined;
  const head = first?.toLowerCase();
  if (head === undefined) return { name: 'info' };
  if (encodedId === undefined) {
    if (head === 'messagequeue') return { name: 'queue' };
    if (head === 'messages') return { name: 'messages' };
    if (head === 'globaldataspace') return { name: 'globalDataSpace' };
    return undefined;
  }
  // The batch extensions (a pull: GET; a push: POST): not an id (`t` and `h` are not
  // hexadecimal), so the original and a server without them answer it as an unknown route.
  if (head === 'messagequeue' && last === undefined && encodedId.toLowerCase() === 'batch') {
    return { name: 'batch' };
  }
  // The summary extension: `/messageQueue/summary` (`s` is not hexadecimal: never an id).
  if (head === 'messagequeue' && last === undefined && encodedId.toLowerCase() === 'summary') {
    return { name: 'summary' };
  }
  // The batch-ack extension: `/messageQueue/batch/ack` and `/messageQueue/batch/nack`.
  if (head === 'messagequeue' && encodedId.toLowerCase() === 'batch') {
    if (last?.toLowerCase() === 'ack') return { name: 'batchAck' };
    if (last?.toLowerCase() === 'nack') return { name: 'batchNack' };
    return undefined;
  }
  // The long-poll extension's end of a named wait: `/messageQueue/wait/ID`.
  if (head === 'messagequeue' && last !== undefined && encodedId.toLowerCase() === 'wait') {
    return { name: 'endWait', id: last };
  }
  const id = decodedId(encodedId);
  if (id === undefined || !HEX.test(id)) return undefined;
  if (head === 'messages' && last === undefined) return { name: 'message', id };
  if (head === 'messagequeue' && last?.toLowerCase() === 'ack') return { name: 'ack', id };
  // The nack extension; a server whose store cannot nack answers it as an unknown route.
  if (head === 'messagequeue' && last?.toLowerCase() === 'nack') return { name: 'nack', id };
  return undefined;
}

/** The operations of the routes and methods, as the metrics name them (`push`, `pull_batch`, …). */
const OPERATIONS: Readonly<Record<RouteName, Readonly<Record<string, string>>>> = Object.freeze({
  info: { GET: 'info' },
  queue: { GET: 'pull', POST: 'push' },
  batch: { GET: 'pull_batch', POST: 'push_batch' },
  batchAck: { PATCH: 'ack_batch' },
  batchNack: { PATCH: 'nack_batch' },
  endWait: { DELETE: 'end_wait' },
  summary: { GET: 'summary' },
  ack: { PATCH: 'ack' },
  nack: { PATCH: 'nack' },
  messages: { GET: 'list', DELETE: 'delete_all' },
  message: { GET: 'get', PATCH: 'update', DELETE: 'delete' },
  globalDataSpace: { DELETE: 'wipe' },
});

/**
 * The operation of a request, as the metrics name it: one of a route's (a HEAD counts as its
 * GET), `options` for the methods' question, `other` for anything else (an unknown route or
 * method), so that the names stay few whatever clients send.
 */
export function operationOf(route: Route | undefined, method: string): string {
  if (!route) return 'other';
  if (method === 'OPTIONS') return 'options';
  const operations = OPERATIONS[route.name];
  return operations[method === 'HEAD' ? 'GET' : method] ?? 'other';
}
