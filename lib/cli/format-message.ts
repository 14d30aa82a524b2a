import type { MessageMetadata, SciroccoMessage } from '../protocol/message-metadata.js';
import { encodeBase64 } from '../protocol/base64.js';

/** Control characters that would move the cursor or change the terminal, and line breaks. */
// eslint-disable-next-line no-control-regex -- matching them is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Control characters written as escapes (`\u001b`), so that text cannot drive the terminal.
 *
 * @example
 * ```ts
 * escapeControls('a\u001b[2Jb'); // 'a\\u001b[2Jb'
 * ```
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One line of a table: line breaks and tabs as `\n`, `\t`, other controls escaped. */
function oneLine(text: string): string {
  return escapeControls(text.replaceAll('\r', '\\r')).replaceAll('\n', '\\n').replaceAll('\t', '\\t');
}

/**
 * A payload for people: JSON as JSON, text as is, bytes as their size and first bytes in hex.
 * Terminal control characters are escaped; with `max`, for a table cell, line breaks and tabs too,
 * and it is cut to `max` characters.
 */
export function describePayload(payload: unknown, max = Infinity): string {
  let text: string;
  if (payload instanceof Uint8Array) {
    const head = [...payload.subarray(0, 16)].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
    text = `<${payload.byteLength} bytes: ${head}${payload.byteLength > 16 ? ' …' : ''}>`;
  } else {
    text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  }
  text = max === Infinity ? escapeControls(text.replaceAll('\r', '\\r')) : oneLine(text);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A message for scripts: metadata with ISO dates, bytes as `{ "base64": … }`. */
export function messageJson(message: SciroccoMessage): string {
  const payload =
    message.payload instanceof Uint8Array ? { base64: encodeBase64(message.payload) } : message.payload;
  return JSON.stringify({ metadata: message.metadata, payload });
}

const TIMES: [keyof MessageMetadata, string][] = [
  ['createdTime', 'created'],
  ['scheduledTime', 'scheduled'],
  ['processingTime', 'processing'],
  ['processedTime', 'processed'],
  ['updateTime', 'updated'],
];

/**
 * A message for people, one field a line; a payload of several lines goes on indented lines, so
 * that no line of it is empty and an empty line can separate messages.
 */
export function messageText(message: SciroccoMessage): string {
  const { metadata } = message;
  const lines = [
    ['id', metadata.id],
    ['status', `${metadata.status} (tries ${metadata.tries})`],
    ['from → to', `${metadata.nodeSource} → ${metadata.nodeDestination}`],
    ['type', metadata.payloadType],
    ...TIMES.flatMap(([key, label]) => {
      const value = metadata[key];
      return value instanceof Date ? [[label, value.toISOString()]] : [];
    }),
    ['payload', describePayload(message.payload)],
  ];
  return `${lines
    .map(
      ([label, value]) =>
        `${(label ?? '').padEnd(11)} ${(value ?? '').replaceAll('\n', `\n${' '.repeat(12)}`)}`,
    )
    .join('\n')}\n`;
}

/** Messages as a table for people. */
export function messagesTable(messages: readonly SciroccoMessage[]): string {
  const rows = messages.map(({ metadata, payload }) => [
    metadata.id,
    metadata.status,
    String(metadata.tries),
    metadata.nodeSource,
    metadata.nodeDestination,
    metadata.payloadType,
    metadata.createdTime.toISOString(),
    describePayload(payload, 40),
  ]);
  const header = ['ID', 'STATUS', 'TRIES', 'FROM', 'TO', 'TYPE', 'CREATED', 'PAYLOAD'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
