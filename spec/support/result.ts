import type { Result } from 'ts-results-es';

/** The error of a Result, or undefined when it is Ok. */
export function errorOf<E>(result: Result<unknown, E>): E | undefined {
  return result.isErr() ? result.error : undefined;
}
