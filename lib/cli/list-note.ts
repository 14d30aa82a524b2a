/** The list maximum of a server that was not told otherwise (`SCIROCCO_MAX_GET_ALL_MESSAGES`). */
export const DEFAULT_LIST_MAXIMUM = 100;

/**
 * What `ls` tells a person about messages it may not show, from how many the server sent when
 * asked for one more than `wanted`: more exist when that one came; more may exist when the server
 * sent fewer than an explicit `--limit` (its maximum may be lower) or exactly its default maximum.
 * The protocol has no count, so "may" is as far as it can tell.
 *
 * @example
 * ```ts
 * listNote(3, 2, true); // 'more messages exist than the 2 shown; --limit N shows more, …'
 * listNote(2, 5, true); // 'the server sent 2 messages, fewer than the 5 asked for: …'
 * listNote(3, 100, false); // undefined
 * ```
 */
export function listNote(sent: number, wanted: number, explicit: boolean): string | undefined {
  if (sent > wanted) {
    return `more messages exist than the ${wanted} shown; --limit N shows more, up to the server's maximum`;
  }
  if (explicit && sent > 0 && sent < wanted) {
    return `the server sent ${sent} message${sent === 1 ? '' : 's'}, fewer than the ${wanted} asked for: that is all of them, or it lists at most ${sent} and capped --limit`;
  }
  if (!explicit && sent === DEFAULT_LIST_MAXIMUM) {
    return `the server sent ${sent} messages, as many as it lists by default: more may exist (--limit above its maximum is capped)`;
  }
  return undefined;
}
