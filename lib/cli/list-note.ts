/** The list maximum of a server that was not told otherwise (`SCIROCCO_MAX_GET_ALL_MESSAGES`). */
export const DEFAULT_LIST_MAXIMUM = 100;

/**
 * What `ls` tells a person about messages it may not show, from how many the server sent when
 * asked for one more than `wanted`: more exist when that one came. When fewer came, they are all
 * there is, or the server's list maximum (`SCIROCCO_MAX_GET_ALL_MESSAGES`) capped the request: the
 * protocol has no count, so a round number of 10 or more (as maxima are set) is told as "may".
 *
 * @example
 * ```ts
 * listNote(3, 2); // 'more messages exist than the 2 shown; --limit N shows more, up to the server's maximum'
 * listNote(50, 100); // 'the server sent 50 messages, which may be its list maximum: …'
 * listNote(3, 100); // undefined
 * ```
 */
export function listNote(sent: number, wanted: number): string | undefined {
  if (sent > wanted) {
    return `more messages exist than the ${wanted} shown; --limit N shows more, up to the server's maximum`;
  }
  if (sent >= 10 && sent % 10 === 0) {
    return `the server sent ${sent} messages, which may be its list maximum: more may exist (it caps --limit there; SCIROCCO_MAX_GET_ALL_MESSAGES sets it)`;
  }
  return undefined;
}
