/**
 * scirocco-rx/angular: a queue flow as Angular signals. Needs `@angular/core` (20 or newer), an
 * optional peer dependency; nothing else in the package imports Angular.
 *
 * @packageDocumentation
 */
export {
  queueSignals,
  type QueueSignals,
  type QueueSignalsOptions,
  type QueueState,
} from './angular/queue-signals.js';
