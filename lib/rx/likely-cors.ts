import type { SciroccoError } from '../client/scirocco-error.js';
import type { FlowEventHandler } from './flow-event.js';

/**
 * Reports `cors-suspected` when `error` is a cross-origin browser request that got no readable
 * answer (its transport failure says so); a flow calls it at the first failure of a run.
 */
export function reportLikelyCors(
  error: SciroccoError,
  operation: SciroccoError['operation'],
  node: string,
  emit: FlowEventHandler,
): void {
  if ((error.cause as { likelyCause?: unknown } | undefined)?.likelyCause === 'cors') {
    emit({ type: 'cors-suspected', node, operation, error });
  }
}
