import { Observable, Subscription, type OperatorFunction } from 'rxjs';

/**
 * Like `mergeMap(project, slots)`, except that an inner stream may give its slot back before it
 * ends: `project` gets a `release` to call once the work that needs the slot is done (a handler),
 * while the rest of the inner stream (its settlement) runs on outside the count. A slot also
 * comes back when the inner stream ends, whichever is first. Values waiting for a slot start in
 * the order they came.
 *
 * ```
 * source:   (abc|)              (slots: 1)
 * inner a:  a~r--A|            (r: release)
 * inner b:    b~r--B|
 * inner c:      c~r--C|
 * result:   -----A-B-(C|)
 * ```
 *
 * @internal
 */
export function mergeInSlots<T, R>(
  project: (value: T, release: () => void) => Observable<R>,
  slots: number,
): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      const waiting: T[] = [];
      const inners = new Subscription();
      let running = 0;
      let active = 0;
      let sourceDone = false;
      const checkDone = () => {
        if (sourceDone && active === 0 && waiting.length === 0) subscriber.complete();
      };
      const start = (value: T) => {
        running++;
        active++;
        let released = false;
        const release = () => {
          if (released) return;
          released = true;
          running--;
          // The next value waiting starts now, as mergeMap starts one when an inner stream ends.
          drain();
        };
        // Kept until it ends, so that an unsubscribe stops it; one that ends at once is let go.
        const inner = new Subscription();
        inners.add(inner);
        inner.add(
          project(value, release).subscribe({
            next: (result) => {
              subscriber.next(result);
            },
            error: (error: unknown) => {
              subscriber.error(error);
            },
            complete: () => {
              active--;
              inners.remove(inner);
              release();
              checkDone();
            },
          }),
        );
      };
      let draining = false;
      const drain = () => {
        if (draining) return;
        draining = true;
        while (running < slots && waiting.length > 0 && !subscriber.closed) {
          start(waiting.shift() as T);
        }
        draining = false;
      };
      subscriber.add(inners);
      subscriber.add(
        source.subscribe({
          next: (value) => {
            waiting.push(value);
            drain();
          },
          error: (error: unknown) => {
            subscriber.error(error);
          },
          complete: () => {
            sourceDone = true;
            checkDone();
          },
        }),
      );
    });
}
