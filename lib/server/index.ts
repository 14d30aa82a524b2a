export {
  CONNECTION_DEFAULTS,
  DEFAULT_TOKEN,
  startServer,
  type MetricsListener,
  type RunningServer,
  type ServerOptions,
} from './start-server.js';
export {
  createServerMetrics,
  DURATION_BUCKETS_SECONDS,
  type NodeCounter,
  type ServerMetrics,
} from './server-metrics.js';
export { createQueueChanges, type QueueChanges } from './queue-changes.js';
export { loadConsoleAssets, type ConsoleAssets } from './console-assets.js';
export type { Reply } from './reply.js';
export {
  createRequestHandler,
  DEFAULT_MAX_PULL_WAIT_MS,
  type HandlerOptions,
} from './create-request-handler.js';
export { createDueWaiters, type DueWaiter, type DueWaiters, type WaitEnd } from './due-waiters.js';
export { SERVER_INFO } from '../protocol/server-info.js';
export type { MessageStore, StatusGroup, StoredMessage, StoredPayload } from './message-store.js';
export { createMemoryStore } from './memory-store.js';
export { createSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export { openStore } from './open-store.js';
export { createPostgresStore, type PostgresStoreOptions } from './postgres-store.js';
export { DEFAULT_LIMITS, limitsFromEnv, resolveLimits, type ServerLimits } from './server-limits.js';
export type { QueueLimits } from '../protocol/queue-limits.js';
export type { CorsOrigins } from './cors.js';
