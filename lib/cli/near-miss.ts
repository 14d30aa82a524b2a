/** The edit distance of two words: insertions, deletions, substitutions and swaps of neighbours. */
function distance(a: string, b: string): number {
  const width = b.length + 1;
  const cells = new Array<number>((a.length + 1) * width).fill(0);
  const at = (i: number, j: number) => cells[i * width + j] ?? 0;
  for (let i = 0; i <= a.length; i++) {
    for (let j = 0; j <= b.length; j++) {
      let value: number;
      if (i === 0 || j === 0) value = i + j;
      else {
        value = Math.min(
          at(i - 1, j) + 1,
          at(i, j - 1) + 1,
          at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1),
        );
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
          value = Math.min(value, at(i - 2, j - 2) + 1);
        }
      }
      cells[i * width + j] = value;
    }
  }
  return at(a.length, b.length);
}

/**
 * The candidate a mistyped word most likely meant: the closest one within two edits (one for
 * words of up to four letters), or undefined when none is that close.
 *
 * @example
 * ```ts
 * nearMiss('pul', ['push', 'pull', 'ls']); // 'pull'
 * nearMiss('frobnicate', ['push', 'pull']); // undefined
 * ```
 */
export function nearMiss(word: string, candidates: readonly string[]): string | undefined {
  const most = word.length <= 4 ? 1 : 2;
  let best: { candidate: string; edits: number } | undefined;
  for (const candidate of candidates) {
    const edits = distance(word.toLowerCase(), candidate.toLowerCase());
    if (edits <= most && (best === undefined || edits < best.edits)) best = { candidate, edits };
  }
  return best?.candidate;
}
