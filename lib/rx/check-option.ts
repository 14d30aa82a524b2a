import { validateNodeId } from '../protocol/validation.js';

/**
 * The checks of the flows' options, each written once: a bad option throws a `RangeError` that
 * names the function, the option and the value, before anything is sent.
 */

/** A positive number (`whole`: a positive safe integer); `undefined` means its default. */
export function checkPositive(owner: string, name: string, value: number | undefined, whole: boolean): void {
  if (value === undefined) return;
  if (!(value > 0) || !Number.isFinite(value) || (whole && !Number.isSafeInteger(value))) {
    throw new RangeError(
      `${owner}: ${name} must be a positive ${whole ? 'whole ' : ''}number, got ${String(value)}`,
    );
  }
}

/** A duration in milliseconds, 0 included; `undefined` means its default. */
export function checkMillis(owner: string, name: string, value: number | undefined): void {
  if (value !== undefined && !(value >= 0 && Number.isFinite(value))) {
    throw new RangeError(`${owner}: ${name} must be a number of milliseconds >= 0, got ${String(value)}`);
  }
}

/** A node id a flow pushes to (a dead-letter node). */
export function checkNode(owner: string, node: string | undefined): void {
  if (node === undefined) return;
  const checked = validateNodeId(node, 'deadLetter node id');
  if (checked.isErr()) throw new RangeError(`${owner}: ${checked.error}`);
}

/** One of `choices`, or `{ deadLetter: node }` with a valid node. */
export function checkPolicy(
  owner: string,
  name: string,
  value: string | { readonly deadLetter: string },
  choices: readonly string[],
): void {
  if (typeof value === 'object') {
    checkNode(owner, value.deadLetter);
    return;
  }
  if (!choices.includes(value)) {
    const listed = choices.map((choice) => `'${choice}'`);
    throw new RangeError(
      `${owner}: ${name} must be ${listed.join(', ')} or { deadLetter: node }, got ${JSON.stringify(value)}`,
    );
  }
}
