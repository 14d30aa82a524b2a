import type { SciroccoMessage } from '../protocol/message-metadata.js';
import type { SciroccoError, SciroccoOperation } from './scirocco-error.js';

/**
 * One request of a client, as its telemetry sees it: the operation, this client's node and URL,
 * and what the operation concerns.
 */
export interface TelemetryCall {
  readonly operation: SciroccoOperation;
  /** This client's node. */
  readonly node: string;
  /** The server's URL. */
  readonly url: string;
  /** The node the messages go to (a push), or come from (a pull, an ack: this client's node). */
  readonly destination?: string;
  /** The message an ack or nack settles. */
  readonly messageId?: string;
  /** How many messages a batch push, ack or nack carries. */
  readonly count?: number;
}

/** How a request ended, for its telemetry: its error, or the messages it received. */
export interface TelemetryOutcome {
  readonly error?: SciroccoError;
  /** The messages a pull claimed. */
  readonly received?: readonly SciroccoMessage[];
}

/** A request under way: the headers it adds (a push's trace context), and its end. */
export interface TelemetryRequest {
  readonly headers?: Readonly<Record<string, string>>;
  /** The request ended (answered, refused, or not answered). */
  end(outcome: TelemetryOutcome): void;
}

/** A handler's run on a message: work run inside it (its trace context), and its end. */
export interface TelemetryProcess {
  /** Runs `work` in the run's context (the handler, and the first request of its settlement). */
  run<T>(work: () => T): T;
  /** The handler finished: `error` when it failed (or was stopped). */
  end(error?: unknown): void;
}

/**
 * What a client tells of its work, for tracing and metrics: every request that sends, receives
 * or settles messages, and every handler's run. `openTelemetry()` of `scirocco-rx/opentelemetry`
 * makes one on `@opentelemetry/api`; without one (the default) a client tells nothing and pays
 * nothing for it.
 *
 * @example
 * ```ts
 * import { createClient, type ClientTelemetry } from 'scirocco-rx';
 *
 * // Counts the messages pulls received.
 * let received = 0;
 * const telemetry: ClientTelemetry = {
 *   request: () => ({ end: (outcome) => (received += outcome.received?.length ?? 0) }),
 * };
 * const client = createClient({ url: 'http://localhost:8000', node: 'b2', token: 'DEFAULT_TOKEN', telemetry });
 * ```
 */
export interface ClientTelemetry {
  /** A request starts (called before it is sent, in the caller's context). */
  request(call: TelemetryCall): TelemetryRequest | undefined;
  /** A handler starts on a message `ackOnComplete` (or `consume`) runs it on. */
  process?(message: SciroccoMessage, node: string): TelemetryProcess | undefined;
}

/** Calls `call`, or gives `fallback` when it throws: a telemetry's failure is never the flow's. */
function guarded<T>(call: () => T, fallback: T): T {
  try {
    return call();
  } catch {
    return fallback;
  }
}

/**
 * The telemetry as the client uses it: a method of it that throws is as if it told nothing
 * (no request fails, no message is left unsettled for it), and the work given to `run` runs,
 * inside its context or else without it, exactly once; the work's own errors go on.
 */
export function guardedTelemetry(telemetry: ClientTelemetry): ClientTelemetry {
  const process = telemetry.process?.bind(telemetry);
  return {
    request: (call) => {
      const request = guarded(() => telemetry.request(call), undefined);
      if (!request) return undefined;
      return {
        ...(request.headers === undefined ? {} : { headers: request.headers }),
        end: (outcome) => {
          guarded(() => {
            request.end(outcome);
          }, undefined);
        },
      };
    },
    ...(process
      ? {
          process: (message, node) => {
            const run = guarded(() => process(message, node), undefined);
            if (!run) return undefined;
            return {
              run: <T>(work: () => T): T => {
                // Set inside the callback: what ran, how, with what answer.
                const seen: { ran: boolean; failed: boolean; result?: T } = { ran: false, failed: false };
                try {
                  return run.run(() => {
                    seen.ran = true;
                    try {
                      seen.result = work();
                      return seen.result;
                    } catch (error) {
                      seen.failed = true;
                      throw error;
                    }
                  });
                } catch (error) {
                  if (seen.failed) throw error;
                  // The telemetry failed, before the work (it runs now) or after it.
                  return seen.ran ? (seen.result as T) : work();
                }
              },
              end: (error) => {
                guarded(() => {
                  run.end(error);
                }, undefined);
              },
            };
          },
        }
      : {}),
  };
}
