import { catchError, defer, finalize, of, share, tap, type Observable } from 'rxjs';
import type { ServerExtensions } from '../protocol/server-extensions.js';
import type { QueueOps } from './queue-ops.js';

/** What a server that offers nothing beyond the protocol (the original) offers. */
const PLAIN: ServerExtensions = Object.freeze({ nack: false });

/**
 * What a stream's server offers, asked once: the first step of a stream that could use an
 * extension (a pull that may wait, a `requeue`) asks the server (`extensions$`), later ones reuse
 * the answer. Only an answer is kept: a failed look-up says "nothing" to the steps waiting on it
 * (they take the plain protocol, which works on every server) and the next step asks again.
 * Steps that wait on the same look-up share its one request.
 */
export function extensionsDiscovery(ops: QueueOps): () => Observable<ServerExtensions> {
  if (!ops.extensions$) return () => of(PLAIN);
  let known: ServerExtensions | undefined;
  let asking: Observable<ServerExtensions> | undefined;
  const ask = (): Observable<ServerExtensions> =>
    defer(() => ops.extensions$?.() ?? of(PLAIN)).pipe(
      tap((extensions) => {
        known = extensions;
      }),
      catchError(() => of(PLAIN)),
      finalize(() => {
        asking = undefined;
      }),
      share(),
    );
  return () => {
    if (known !== undefined) return of(known);
    asking ??= ask();
    return asking;
  };
}
