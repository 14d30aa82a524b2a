import { createMemoryStore } from '../../lib/server/memory-store.js';
import { describeMessageStore } from '../support/message-store-contract.js';

describeMessageStore('createMemoryStore', createMemoryStore);
