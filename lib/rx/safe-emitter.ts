import type { FlowEvent, FlowEventHandler } from './flow-event.js';

/**
 * One event handler that calls each of `handlers` in turn: what one throws is ignored, so that an
 * event handler never breaks a flow, nor keeps the next handler from its event.
 */
export function safeEmitter(...handlers: (FlowEventHandler | undefined)[]): FlowEventHandler {
  const called = handlers.filter((handler) => handler !== undefined);
  return (event: FlowEvent) => {
    for (const handler of called) {
      try {
        handler(event);
      } catch {
        // an event handler must not break the flow
      }
    }
  };
}
