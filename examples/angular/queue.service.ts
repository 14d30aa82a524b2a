// An Angular service that consumes this node's messages with the fetch transport. It polls
// outside the Angular zone, so the app can become stable and no change detection runs on every
// poll, and it stops gracefully when the injector that asked for it is destroyed: no new pull,
// handlers in flight finish and ack. Type-checked by the test suite.
import { DestroyRef, Injectable, NgZone, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { NEVER, Observable } from 'rxjs';
import { ackOnComplete, createClient } from 'scirocco-rx/browser';

export interface Reading {
  readonly celsius: number;
}

/** Subscribes outside the zone; delivers notifications inside it. */
function outsideZone<T>(zone: NgZone, source: Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) =>
    zone.runOutsideAngular(() =>
      source.subscribe({
        next: (value) => {
          zone.run(() => {
            subscriber.next(value);
          });
        },
        error: (error: unknown) => {
          zone.run(() => {
            subscriber.error(error);
          });
        },
        complete: () => {
          zone.run(() => {
            subscriber.complete();
          });
        },
      }),
    ),
  );
}

@Injectable({ providedIn: 'root' })
export class QueueService {
  private readonly zone = inject(NgZone);
  // '/scirocco' goes through the development server's proxy to `scirocco serve`.
  private readonly client = createClient({ url: '/scirocco', node: 'b2', token: 'DEFAULT_TOKEN' });

  /** The last reading handled. */
  readonly latest = signal<Reading | undefined>(undefined);

  /** Consumes readings until `destroyRef` is destroyed (call it in an injection context). */
  consume(destroyRef: DestroyRef = inject(DestroyRef)): void {
    const destroyed = NEVER.pipe(takeUntilDestroyed(destroyRef)); // completes on destroy
    const readings = this.client.pull$<Reading>({ interval: 1_000, stop: destroyed }).pipe(
      ackOnComplete((message) => {
        this.latest.set(message.payload);
      }),
    );
    outsideZone(this.zone, readings).subscribe();
  }
}
