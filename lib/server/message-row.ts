import type { MessageStatus } from '../protocol/message-status.js';
import type { StatusGroup, StoredMessage, StoredPayload } from './message-store.js';

/**
 * A message as the SQL stores keep it: one column per metadata field, times in milliseconds since
 * the epoch (as a number, or as the string PostgreSQL gives for a BIGINT).
 */
export interface MessageRow {
  readonly id: string;
  readonly node_source: string;
  readonly node_destination: string;
  readonly status: MessageStatus;
  readonly tries: number;
  readonly payload_type: string;
  readonly payload_kind: StoredPayload['kind'];
  readonly created_time: number | string;
  readonly scheduled_time: number | string | null;
  readonly processing_time: number | string | null;
  readonly processed_time: number | string | null;
  readonly update_time: number | string | null;
  readonly trace_parent: string | null;
}

/** The columns of a {@link MessageRow}, in the order the stores write them. */
export const MESSAGE_COLUMNS = `id, node_source, node_destination, status, tries, payload_type, payload_kind,
  payload, created_time, scheduled_time, processing_time, processed_time, update_time, trace_parent`;

const date = (ms: number | string | null) => (ms === null ? undefined : new Date(Number(ms)));

/** The stored message of a row and its payload; a time that is NULL is left out, as in memory. */
export function messageOfRow(row: MessageRow, payload: StoredPayload): StoredMessage {
  const optional = {
    scheduledTime: date(row.scheduled_time),
    processingTime: date(row.processing_time),
    processedTime: date(row.processed_time),
    updateTime: date(row.update_time),
    traceParent: row.trace_parent ?? undefined,
  };
  return {
    id: row.id,
    nodeSource: row.node_source,
    nodeDestination: row.node_destination,
    status: row.status,
    tries: row.tries,
    payloadType: row.payload_type,
    createdTime: new Date(Number(row.created_time)),
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
    payload,
  };
}

/** The time columns of a message, in milliseconds or NULL. */
export function timeColumns(message: StoredMessage): (number | null)[] {
  const ms = (value: Date | undefined) => (value === undefined ? null : value.getTime());
  return [
    message.createdTime.getTime(),
    ms(message.scheduledTime),
    ms(message.processingTime),
    ms(message.processedTime),
    ms(message.updateTime),
  ];
}

/**
 * Every message counted by destination and status, with the oldest time of each group: the SQL
 * form of `queueRules.since` (pushed while waiting, claimed while processing, acked once
 * processed), the same for SQLite and PostgreSQL.
 */
export const STATUS_GROUPS_SQL = `SELECT node_destination AS node, status, COUNT(*) AS n,
    min(CASE status WHEN 'processing' THEN processing_time WHEN 'processed' THEN processed_time
      ELSE created_time END) AS oldest
  FROM messages GROUP BY node_destination, status`;

/** A row of {@link STATUS_GROUPS_SQL} (PostgreSQL gives counts and BIGINTs as strings). */
export interface StatusGroupRow {
  readonly node: string;
  readonly status: MessageStatus;
  readonly n: number | string;
  readonly oldest: number | string | null;
}

/** The status group of a row of {@link STATUS_GROUPS_SQL}. */
export function statusGroupOfRow(row: StatusGroupRow): StatusGroup {
  return { node: row.node, status: row.status, count: Number(row.n), oldest: date(row.oldest) };
}
