// Snippets of docs/protocol.md, type-checked by the test suite.
import { validateNodeId, encodePayload } from 'scirocco-rx';

validateNodeId('xyz', 'destination node id').unwrapErr();
// 'destination node id must be a non-empty hexadecimal string (0-9, a-f, A-F), got "xyz"'
encodePayload({ n: 10n }).unwrapErr();
// 'payload cannot be encoded as JSON: it holds a bigint at key "n"'
