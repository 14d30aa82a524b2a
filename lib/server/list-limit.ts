/**
 * Reads the `limit` of a list request as the original server does: missing, zero, not a number
 * or above the maximum means the maximum; otherwise `parseInt` of the text, so `2.9` means 2,
 * `1e2` means 1, `0x10` means 16, and a negative limit means its absolute value. Unlike the
 * original, the result never exceeds the maximum.
 */
export function listLimit(values: readonly string[], max: number): number {
  if (values.length !== 1) return max;
  const text = values[0] ?? '';
  const asNumber = Number(text);
  if (text.trim() === '' || !asNumber || asNumber > max) return max;
  const parsed = Math.abs(parseInt(text));
  return Number.isNaN(parsed) || parsed === 0 ? max : Math.min(parsed, max);
}
