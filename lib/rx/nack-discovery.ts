import { catchError, defer, finalize, map, of, share, tap, type Observable } from 'rxjs';
import type { QueueOps } from './queue-ops.js';

/**
 * Whether a stream's server has the nack extension, asked once: the first `requeue` of a stream
 * asks the server (`extensions$`), later ones reuse the answer. Only an answer is kept: a failed
 * look-up says "no" for the requeues waiting on it (they copy, which works on every server) and
 * the next requeue asks again. Requeues that wait on the same look-up share its one request.
 */
export function nackDiscovery(ops: QueueOps): () => Observable<boolean> {
  if (!ops.nack$ || !ops.extensions$) return () => of(false);
  let known: boolean | undefined;
  let asking: Observable<boolean> | undefined;
  const ask = (): Observable<boolean> =>
    defer(() => ops.extensions$?.() ?? of({ nack: false })).pipe(
      map((extensions) => extensions.nack),
      tap((nack) => {
        known = nack;
      }),
      catchError(() => of(false)),
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
