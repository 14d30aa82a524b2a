import { errorOf } from '../support/result.js';
import { describe, expect, it } from 'vitest';
import { messageFromListItem } from '../../lib/protocol/message-from-list-item.js';

const item = {
  _id: '5823a70203c123003de4229b',
  node_source: 'af123',
  node_destination: 'af123',
  status: 'pending',
  tries: 0,
  payload_type: 'application/json',
  created_time: '2026-11-25T11:06:27.000Z',
  __v: 0,
};

describe('messageFromListItem', () => {
  it('reads snake_case fields with ISO dates, ignoring unknown ones', () => {
    const message = messageFromListItem({
      ...item,
      payload: { a: 1 },
      update_time: '2026-11-25T11:06:28.000Z',
    }).unwrap();
    expect(message.metadata).toEqual({
      id: '5823a70203c123003de4229b',
      nodeSource: 'af123',
      nodeDestination: 'af123',
      status: 'pending',
      tries: 0,
      payloadType: 'application/json',
      createdTime: new Date('2026-11-25T11:06:27.000Z'),
      updateTime: new Date('2026-11-25T11:06:28.000Z'),
    });
    expect(message.payload).toEqual({ a: 1 });
  });

  it('reads all-digit node ids written as numbers back as text', () => {
    expect(messageFromListItem({ ...item, node_source: 123, payload: {} }).unwrap().metadata.nodeSource).toBe(
      '123',
    );
  });

  it('decodes base64 bytes when content_type says octet-stream, whatever the payload type', () => {
    const message = messageFromListItem({
      ...item,
      payload_type: 'temperature',
      content_type: 'application/octet-stream',
      payload: 'AAEC/w==',
    }).unwrap();
    expect(message.payload).toEqual(new Uint8Array([0, 1, 2, 255]));
  });

  it('keeps text as text when content_type says text/plain, even if it looks like base64', () => {
    const message = messageFromListItem({ ...item, content_type: 'text/plain', payload: 'AAEC' }).unwrap();
    expect(message.payload).toBe('AAEC');
  });

  it('without content_type, decodes strings of octet-stream payload type and keeps other strings', () => {
    expect(
      messageFromListItem({ ...item, payload_type: 'application/octet-stream', payload: 'AAEC/w==' }).unwrap()
        .payload,
    ).toEqual(new Uint8Array([0, 1, 2, 255]));
    expect(
      messageFromListItem({ ...item, payload_type: 'text/plain', payload: 'AAEC' }).unwrap().payload,
    ).toBe('AAEC');
  });

  it('reads a missing payload as the empty object the original dropped', () => {
    expect(messageFromListItem(item).unwrap().payload).toEqual({});
  });

  it.each([
    [[], 'list item is not an object: an array'],
    [null, 'list item is not an object: null'],
    [{ ...item, tries: '2' }, undefined],
    [{ ...item, tries: -1 }, 'list item field "tries" is not a non-negative integer: number -1'],
    [{ ...item, _id: undefined }, 'list item field "_id" is missing'],
    [
      { ...item, created_time: 'later' },
      'list item field "created_time" is not a date in ISO 8601 or Date.toString() form: "later"',
    ],
    [
      { ...item, content_type: 'image/png', payload: 'x' },
      'list item field "content_type" is not a payload content type: "image/png"',
    ],
    [
      { ...item, content_type: 'application/octet-stream', payload: '!!' },
      'list item field "payload" is not valid base64',
    ],
    [
      { ...item, content_type: 'text/plain', payload: {} },
      'list item field "payload" is not a string: object',
    ],
    [
      { ...item, content_type: 'application/json', payload: 'x' },
      'list item field "payload" is not an object or an array: "x"',
    ],
    [{ ...item, payload: 5 }, 'list item field "payload" is not an object or an array: number 5'],
  ])('checks %j', (input, message) => {
    expect(errorOf(messageFromListItem(input))).toBe(message);
  });
});
