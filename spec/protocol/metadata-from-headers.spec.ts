import { errorOf } from '../support/result.js';
import { describe, expect, it } from 'vitest';
import { metadataFromHeaders } from '../../lib/protocol/metadata-from-headers.js';

const base: Record<string, string> = {
  'Scirocco-Id': '5823A70203C123003DE4229B',
  'Scirocco-Node-Source': 'af123',
  'Scirocco-Node-Destination': 'bc456',
  'Scirocco-Status': 'processing',
  'Scirocco-Tries': '2',
  'Scirocco-Payload-Type': 'temperature',
  'Scirocco-Created-Time': 'Wed Nov 25 2026 11:06:27 GMT+0000 (Coordinated Universal Time)',
  'Scirocco-Processing-Time': '2026-11-25T11:06:28.500Z',
};

function reader(headers: Record<string, string | string[]>) {
  const lower = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  return (name: string) => lower.get(name.toLowerCase());
}

describe('metadataFromHeaders', () => {
  it('reads every field, dates in either form, ids in lowercase, absent fields left out', () => {
    const metadata = metadataFromHeaders(reader(base)).unwrap();
    expect(metadata).toEqual({
      id: '5823a70203c123003de4229b',
      nodeSource: 'af123',
      nodeDestination: 'bc456',
      status: 'processing',
      tries: 2,
      payloadType: 'temperature',
      createdTime: new Date('2026-11-25T11:06:27.000Z'),
      processingTime: new Date('2026-11-25T11:06:28.500Z'),
    });
    expect('updateTime' in metadata).toBe(false);
  });

  it('reads the optional fields when present', () => {
    const metadata = metadataFromHeaders(
      reader({
        ...base,
        'Scirocco-Topic': 'weather',
        'Scirocco-Update-Time': '2026-11-25T11:06:28Z',
        'Scirocco-Scheduled-Time': '2026-11-25T11:07:00Z',
        'Scirocco-Processed-Time': '2026-11-25T11:08:00Z',
        'Scirocco-Error-Time': '2026-11-25T11:09:00Z',
      }),
    ).unwrap();
    expect(metadata.topic).toBe('weather');
    expect(metadata.updateTime?.toISOString()).toBe('2026-11-25T11:06:28.000Z');
    expect(metadata.scheduledTime?.toISOString()).toBe('2026-11-25T11:07:00.000Z');
    expect(metadata.processedTime?.toISOString()).toBe('2026-11-25T11:08:00.000Z');
    expect(metadata.errorTime?.toISOString()).toBe('2026-11-25T11:09:00.000Z');
  });

  it('takes the first of repeated headers', () => {
    expect(metadataFromHeaders(reader({ ...base, 'Scirocco-Tries': ['3', '4'] })).unwrap().tries).toBe(3);
  });

  it.each([
    ['Scirocco-Id', 'header Scirocco-Id is missing'],
    ['Scirocco-Status', 'header Scirocco-Status is missing'],
    ['Scirocco-Tries', 'header Scirocco-Tries is missing'],
    ['Scirocco-Created-Time', 'header Scirocco-Created-Time is missing'],
  ])('refuses an answer without %s', (name, message) => {
    const headers = Object.fromEntries(Object.entries(base).filter(([key]) => key !== name));
    expect(errorOf(metadataFromHeaders(reader(headers)))).toBe(message);
  });

  it.each([
    ['Scirocco-Id', 'abc', 'header Scirocco-Id is not 24 hexadecimal characters: "abc"'],
    [
      'Scirocco-Status',
      'done',
      'header Scirocco-Status is not one of scheduled, pending, processing, processed: "done"',
    ],
    ['Scirocco-Tries', '-1', 'header Scirocco-Tries is not a non-negative integer: "-1"'],
    ['Scirocco-Tries', '1.5', 'header Scirocco-Tries is not a non-negative integer: "1.5"'],
    [
      'Scirocco-Update-Time',
      'soon',
      'header Scirocco-Update-Time is not a date in ISO 8601 or Date.toString() form: "soon"',
    ],
    ['Scirocco-Node-Source', '', 'header Scirocco-Node-Source is not a non-empty string: ""'],
  ])('refuses %s: %j', (name, value, message) => {
    expect(errorOf(metadataFromHeaders(reader({ ...base, [name]: value })))).toBe(message);
  });
});
