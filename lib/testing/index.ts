/**
 * scirocco-rx/testing: marble-test whole queue flows in virtual time, with no HTTP.
 *
 * @packageDocumentation
 */
export { createMemoryQueue, type MemoryQueue, type MemoryQueueOptions } from './create-memory-queue.js';
export type { MemoryLimits } from './memory-engine.js';
