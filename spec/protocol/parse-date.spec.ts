import { describe, expect, it } from 'vitest';
import { parseDate } from '../../lib/protocol/parse-date.js';

describe('parseDate', () => {
  it('reads the Date.toString() form the original server writes into headers', () => {
    expect(parseDate('Wed Nov 25 2026 11:06:27 GMT+0000 (Coordinated Universal Time)')?.toISOString()).toBe(
      '2026-11-25T11:06:27.000Z',
    );
  });

  it('reads the older (UTC) zone name and no zone name at all', () => {
    expect(parseDate('Wed Nov 25 2026 11:06:27 GMT+0000 (UTC)')?.toISOString()).toBe(
      '2026-11-25T11:06:27.000Z',
    );
    expect(parseDate('Wed Nov 25 2026 11:06:27 GMT+0000')?.toISOString()).toBe('2026-11-25T11:06:27.000Z');
  });

  it('applies the offset of the Date.toString() form', () => {
    expect(parseDate('Wed Nov 25 2026 12:36:27 GMT+0130 (Somewhere)')?.toISOString()).toBe(
      '2026-11-25T11:06:27.000Z',
    );
    expect(parseDate('Tue Nov 24 2026 23:06:27 GMT-1200 (Baker Island)')?.toISOString()).toBe(
      '2026-11-25T11:06:27.000Z',
    );
  });

  it('reads what this machine’s Date.toString() writes, to the second', () => {
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    expect(parseDate(now.toString())?.getTime()).toBe(now.getTime());
  });

  it('reads ISO 8601 with milliseconds, offsets, or a date alone', () => {
    expect(parseDate('2026-11-25T11:06:27.125Z')?.getTime()).toBe(Date.UTC(2026, 10, 25, 11, 6, 27, 125));
    expect(parseDate('2026-11-25T12:06:27+01:00')?.toISOString()).toBe('2026-11-25T11:06:27.000Z');
    expect(parseDate('2026-11-25')?.toISOString()).toBe('2026-11-25T00:00:00.000Z');
  });

  it('ignores white space around the text', () => {
    expect(parseDate('  2026-11-25T11:06:27Z ')?.toISOString()).toBe('2026-11-25T11:06:27.000Z');
  });

  it.each([
    '',
    'yesterday',
    '1795604787000',
    'Nov 25 2026',
    'Wed Nov 31 2026 11:06:27 GMT+0000 (UTC)',
    'Wed Feb 30 2026 11:06:27 GMT+0000',
    'Wed Nov 25 2026 24:06:27 GMT+0000',
    'Wed Foo 25 2026 11:06:27 GMT+0000',
    '2026-02-30T00:00:00Z',
    '2026-11-25T25:00:00Z',
    '2026-13-01T00:00:00Z',
  ])('gives undefined for %j', (text) => {
    expect(parseDate(text)).toBeUndefined();
  });
});
