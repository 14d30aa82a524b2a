import { describe, expect, it } from 'vitest';
import type { MessageStore, StoredMessage } from '../../lib/server/message-store.js';

let sequence = 0;

/** The store's claimDue, which every store of this package has. */
function claimDueOf(store: MessageStore) {
  if (!store.claimDue) throw new Error('the store has no claimDue');
  return (destination: string, now: Date, max: number) =>
    store.claimDue?.(destination, now, max) ?? Promise.reject(new Error('the store has no claimDue'));
}
const T0 = Date.UTC(2026, 10, 25, 12);
const at = (ms: number) => new Date(T0 + ms);

function message(overrides: Partial<StoredMessage> = {}): StoredMessage {
  sequence++;
  return {
    id: sequence.toString(16).padStart(24, '0'),
    nodeSource: 'aa',
    nodeDestination: 'bb',
    status: 'pending',
    tries: 0,
    payloadType: 'text/plain',
    createdTime: at(sequence),
    payload: { kind: 'text', value: `m${sequence}` },
    ...overrides,
  };
}

/**
 * The rules every MessageStore follows, run against one implementation. A SQLite or PostgreSQL
 * store passes the same suite.
 */
export function describeMessageStore(name: string, create: () => MessageStore | Promise<MessageStore>): void {
  describe(`${name} (MessageStore contract)`, () => {
    const fresh = async () => create();

    it('claims the oldest due message of a destination, once', async () => {
      const store = await fresh();
      const first = message();
      const second = message();
      await store.insert(first);
      await store.insert(second);
      await store.insert(message({ nodeDestination: 'cc' }));
      const claimed = await store.claimNextDue('bb', at(100));
      expect(claimed).toMatchObject({
        id: first.id,
        status: 'processing',
        tries: 1,
        processingTime: at(100),
        updateTime: at(100),
      });
      expect((await store.claimNextDue('bb', at(100)))?.id).toBe(second.id);
      expect(await store.claimNextDue('bb', at(100))).toBeUndefined();
    });

    it('claims scheduled messages when due, and pending ones with a future time at once', async () => {
      const store = await fresh();
      const later = message({ status: 'scheduled', scheduledTime: at(1_000) });
      const eager = message({ status: 'pending', scheduledTime: at(5_000) });
      await store.insert(later);
      await store.insert(eager);
      expect((await store.claimNextDue('bb', at(999)))?.id).toBe(eager.id);
      expect(await store.claimNextDue('bb', at(999))).toBeUndefined();
      expect((await store.claimNextDue('bb', at(1_000)))?.id).toBe(later.id);
    });

    it('never gives the same message to concurrent claims', async () => {
      const store = await fresh();
      for (let i = 0; i < 50; i++) await store.insert(message());
      const claims = await Promise.all(Array.from({ length: 60 }, () => store.claimNextDue('bb', at(1e6))));
      const ids = claims.flatMap((claimed) => (claimed ? [claimed.id] : []));
      expect(ids.length).toBe(50);
      expect(new Set(ids).size).toBe(50);
    });

    it('gives concurrent claims the oldest messages first, in the order of the calls', async () => {
      const store = await fresh();
      const waiting = [message(), message(), message()];
      await Promise.all(waiting.map((m) => store.insert(m)));
      const claims = await Promise.all([0, 1, 2, 3].map(() => store.claimNextDue('bb', at(1e6))));
      expect(claims.map((claimed) => claimed?.id)).toEqual([...waiting.map((m) => m.id), undefined]);
    });

    it('claimDue: claims up to max, oldest first, due ones only, fewer when fewer are due', async () => {
      const store = await fresh();
      const claimDue = claimDueOf(store);
      const [a, b] = [message(), message()];
      const later = message({ status: 'scheduled', scheduledTime: at(500) });
      const c = message();
      for (const m of [a, b, later, c]) await store.insert(m);
      await store.insert(message({ nodeDestination: 'cc' }));
      const first = await claimDue('bb', at(100), 2);
      expect(first.map((m) => [m.id, m.status, m.tries, m.processingTime])).toEqual([
        [a.id, 'processing', 1, at(100)],
        [b.id, 'processing', 1, at(100)],
      ]);
      expect((await claimDue('bb', at(100), 5)).map((m) => m.id)).toEqual([c.id]);
      expect(await claimDue('bb', at(499), 5)).toEqual([]);
      expect((await claimDue('bb', at(500), 5)).map((m) => m.id)).toEqual([later.id]);
      expect((await store.get(a.id, 'aa'))?.status).toBe('processing');
      expect(await store.countWaiting?.('bb')).toBe(0);
    });

    it('claimDue: concurrent calls never share a message, the earlier ones get the older', async () => {
      const store = await fresh();
      const claimDue = claimDueOf(store);
      const waiting = Array.from({ length: 10 }, () => message());
      await Promise.all(waiting.map((m) => store.insert(m)));
      const [one, two, three, single] = await Promise.all([
        claimDue('bb', at(1e6), 3),
        claimDue('bb', at(1e6), 4),
        claimDue('bb', at(1e6), 5),
        store.claimNextDue('bb', at(1e6)),
      ]);
      const ids = waiting.map((m) => m.id);
      expect(one.map((m) => m.id)).toEqual(ids.slice(0, 3));
      expect(two.map((m) => m.id)).toEqual(ids.slice(3, 7));
      expect(three.map((m) => m.id)).toEqual(ids.slice(7, 10));
      expect(single).toBeUndefined();
    });

    it('acks a message once when acks race, and each concurrent ack its own message', async () => {
      const store = await fresh();
      const [m, other] = [message(), message()];
      await Promise.all([store.insert(m), store.insert(other)]);
      await store.claimNextDue('bb', at(10));
      await store.claimNextDue('bb', at(10));
      const acks = await Promise.all([
        store.ack(m.id, 'bb', at(20)),
        store.ack(m.id, 'bb', at(21)),
        store.ack(other.id, 'bb', at(22)),
        store.ack(other.id, 'cc', at(23)),
      ]);
      expect(acks.map((acked) => acked?.processedTime)).toEqual([at(20), undefined, at(22), undefined]);
      expect(acks.map((acked) => acked?.id)).toEqual([m.id, undefined, other.id, undefined]);
    });

    it('keeps every message of concurrent pushes, in the order of the calls', async () => {
      const store = await fresh();
      const pushed = Array.from({ length: 20 }, (_, n) =>
        message({
          payload:
            n % 2
              ? { kind: 'bytes', value: new Uint8Array([n, 0, 255]) }
              : { kind: 'json', value: `{"n":${String(n)}}` },
        }),
      );
      await Promise.all(pushed.map((m) => store.insert(m)));
      const listed = await store.list('bb', 100);
      expect(listed.map((m) => m.id)).toEqual(pushed.map((m) => m.id));
      expect(listed).toEqual(pushed);
    });

    it('acks a processing message for its destination only, once', async () => {
      const store = await fresh();
      const m = message();
      await store.insert(m);
      expect(await store.ack(m.id, 'bb', at(10))).toBeUndefined(); // still pending
      await store.claimNextDue('bb', at(10));
      expect(await store.ack(m.id, 'aa', at(11))).toBeUndefined();
      expect(await store.ack(m.id, 'bb', at(12))).toMatchObject({
        status: 'processed',
        processedTime: at(12),
        tries: 1,
      });
      expect(await store.ack(m.id, 'bb', at(13))).toBeUndefined();
    });

    it('shows a message to its source and destination, lists theirs oldest first up to a limit', async () => {
      const store = await fresh();
      const a = message({ nodeSource: 'aa', nodeDestination: 'bb' });
      const b = message({ nodeSource: 'bb', nodeDestination: 'aa' });
      const c = message({ nodeSource: 'cc', nodeDestination: 'cc' });
      for (const m of [a, b, c]) await store.insert(m);
      expect((await store.get(a.id, 'aa'))?.id).toBe(a.id);
      expect((await store.get(a.id, 'bb'))?.id).toBe(a.id);
      expect(await store.get(a.id, 'cc')).toBeUndefined();
      expect((await store.list('aa', 10)).map((m) => m.id)).toEqual([a.id, b.id]);
      expect((await store.list('aa', 1)).map((m) => m.id)).toEqual([a.id]);
      expect(await store.list('dd', 10)).toEqual([]);
    });

    it('updates the payload of a waiting message for its source only', async () => {
      const store = await fresh();
      const m = message();
      await store.insert(m);
      const payload = { kind: 'json', value: '{"v":2}' } as const;
      expect(await store.updatePayload(m.id, 'bb', payload, at(5))).toBeUndefined();
      expect(await store.updatePayload(m.id, 'aa', payload, at(5))).toMatchObject({
        payload,
        updateTime: at(5),
      });
      await store.claimNextDue('bb', at(6));
      expect(await store.updatePayload(m.id, 'aa', payload, at(7))).toBeUndefined();
    });

    it('deletes waiting messages of a source, one or all, and wipes everything', async () => {
      const store = await fresh();
      const one = message();
      const two = message({ status: 'scheduled', scheduledTime: at(1e9) });
      const claimed = message();
      const other = message({ nodeSource: 'cc' });
      for (const m of [claimed, one, two, other]) await store.insert(m);
      await store.claimNextDue('bb', at(0)); // claims `claimed`, the oldest
      expect(await store.deleteOne(one.id, 'bb')).toBe(0);
      expect(await store.deleteOne(claimed.id, 'aa')).toBe(0);
      expect(await store.deleteOne(one.id, 'aa')).toBe(1);
      expect(await store.deleteOne(one.id, 'aa')).toBe(0);
      expect(await store.deleteMine('aa')).toBe(1);
      expect((await store.list('bb', 10)).map((m) => m.id)).toEqual([claimed.id, other.id]);
      expect(await store.wipe()).toBe(2);
      expect(await store.list('bb', 10)).toEqual([]);
      expect(await store.claimNextDue('bb', at(1e10))).toBeUndefined();
    });

    it('keeps a message’s trace context through claim, show and list (trace-context)', async () => {
      const store = await fresh();
      const traceParent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const traced = message({ traceParent });
      const untraced = message();
      await store.insert(traced);
      await store.insert(untraced);
      expect((await store.claimNextDue('bb', at(10)))?.traceParent).toBe(traceParent);
      expect((await store.get(traced.id, 'aa'))?.traceParent).toBe(traceParent);
      const listed = await store.list('aa', 10);
      expect(listed.map((m) => m.traceParent)).toEqual([traceParent, undefined]);
    });

    it('hands out records that later changes do not alter', async () => {
      const store = await fresh();
      const m = message();
      await store.insert(m);
      const before = await store.get(m.id, 'aa');
      await store.claimNextDue('bb', at(1));
      expect(before?.status).toBe('pending');
    });

    it('nack: gives a claimed message back, tries kept, at the back of the queue, now or later', async () => {
      const store = await fresh();
      if (!store.nack) throw new Error('the store has no nack');
      const first = message();
      const second = message();
      await store.insert(first);
      await store.insert(second);
      await store.claimNextDue('bb', at(10));
      expect(await store.nack(first.id, 'cc', at(20))).toBeUndefined(); // not its destination
      expect(await store.nack(second.id, 'bb', at(20))).toBeUndefined(); // not processing
      expect(await store.nack(first.id, 'bb', at(20))).toMatchObject({
        id: first.id,
        status: 'pending',
        tries: 1,
      });
      // back of the queue: the second comes first now
      expect((await store.claimNextDue('bb', at(30)))?.id).toBe(second.id);
      expect(await store.claimNextDue('bb', at(30))).toMatchObject({ id: first.id, tries: 2 });
      // with a later due time: scheduled until then
      expect(await store.nack(first.id, 'bb', at(40), at(100))).toMatchObject({
        status: 'scheduled',
        scheduledTime: at(100),
        tries: 2,
      });
      expect(await store.claimNextDue('bb', at(99))).toBeUndefined();
      expect(await store.claimNextDue('bb', at(100))).toMatchObject({ id: first.id, tries: 3 });
    });

    it('recoverStuck: gives back what has been processing since the cutoff, once, tries kept', async () => {
      const store = await fresh();
      if (!store.recoverStuck) throw new Error('the store has no recoverStuck');
      const old = message();
      const young = message();
      const acked = message();
      for (const m of [old, young, acked]) await store.insert(m);
      await store.claimNextDue('bb', at(10)); // old
      await store.claimNextDue('bb', at(50)); // young
      await store.claimNextDue('bb', at(10)); // acked
      await store.ack(acked.id, 'bb', at(11));
      expect(await store.recoverStuck(at(20), at(60))).toBe(1);
      expect(await store.recoverStuck(at(20), at(60))).toBe(0);
      expect(await store.get(old.id, 'bb')).toMatchObject({ status: 'pending', tries: 1 });
      expect(await store.get(young.id, 'bb')).toMatchObject({ status: 'processing' });
      expect(await store.claimNextDue('bb', at(70))).toMatchObject({ id: old.id, tries: 2 });
    });

    it('deleteProcessed: deletes processed messages past the cutoff, at most limit, oldest first', async () => {
      const store = await fresh();
      if (!store.deleteProcessed) throw new Error('the store has no deleteProcessed');
      const done = [message(), message(), message()];
      const waiting = message();
      for (const m of [...done, waiting]) await store.insert(m);
      for (const [n, m] of done.entries()) {
        await store.claimNextDue('bb', at(n));
        await store.ack(m.id, 'bb', at(10 + n));
      }
      expect(await store.deleteProcessed(at(11), 1)).toBe(1);
      expect(await store.get(done[0]!.id, 'bb')).toBeUndefined();
      expect(await store.deleteProcessed(at(11), 10)).toBe(1);
      expect(await store.get(done[2]!.id, 'bb')).toMatchObject({ status: 'processed' });
      expect(await store.get(waiting.id, 'bb')).toMatchObject({ status: 'pending' });
    });

    it('countWaiting: counts the pending and scheduled messages of a destination as they change', async () => {
      const store = await fresh();
      if (!store.countWaiting || !store.nack || !store.recoverStuck)
        throw new Error('the store lacks an extension');
      const count = (destination = 'bb') => store.countWaiting!(destination);
      const [a, b, c] = [message(), message({ status: 'scheduled', scheduledTime: at(1_000) }), message()];
      for (const m of [a, b, c, message({ nodeDestination: 'cc' })]) await store.insert(m);
      expect([await count(), await count('cc'), await count('dd')]).toEqual([3, 1, 0]);
      await store.claimNextDue('bb', at(100)); // a: processing
      expect(await count()).toBe(2);
      await store.nack(a.id, 'bb', at(101)); // a: waiting again
      expect(await count()).toBe(3);
      await store.claimNextDue('bb', at(102)); // c
      await store.claimNextDue('bb', at(103)); // a
      expect(await count()).toBe(1);
      await store.ack(c.id, 'bb', at(104));
      expect(await count()).toBe(1);
      expect(await store.recoverStuck(at(103), at(200))).toBe(1); // a
      expect(await count()).toBe(2);
      await store.deleteOne(b.id, 'aa');
      expect(await count()).toBe(1);
      await store.wipe();
      expect(await count()).toBe(0);
    });

    it('nextDue: says when the next waiting message of a destination becomes due', async () => {
      const store = await fresh();
      if (!store.nextDue) throw new Error('the store has no nextDue');
      const next = (now: number, destination = 'bb') => store.nextDue!(destination, at(now));
      expect(await next(0)).toBeUndefined();
      const late = message({ status: 'scheduled', scheduledTime: at(5_000) });
      const soon = message({ status: 'scheduled', scheduledTime: at(2_000) });
      await store.insert(late);
      await store.insert(soon);
      await store.insert(message({ nodeDestination: 'cc' }));
      expect(await next(0)).toEqual(at(2_000)); // the earliest scheduled one
      expect(await next(3_000)).toEqual(at(3_000)); // due already: now
      expect(await next(0, 'dd')).toBeUndefined();
      const now = message();
      await store.insert(now);
      expect(await next(100)).toEqual(at(100)); // a pending one: now
      await store.claimNextDue('bb', at(100)); // `now`: processing is not waiting
      expect(await next(100)).toEqual(at(2_000));
      await store.deleteOne(soon.id, 'aa');
      await store.deleteOne(late.id, 'aa');
      expect(await next(100)).toBeUndefined();
    });

    it('list with a status: only those, oldest first, up to the limit, as source or destination', async () => {
      const store = await fresh();
      const mine = [
        message({ nodeSource: 'aa', nodeDestination: 'bb' }),
        message({ nodeSource: 'bb', nodeDestination: 'aa' }),
        message({ nodeSource: 'aa', nodeDestination: 'bb' }),
        message({ nodeSource: 'bb', nodeDestination: 'aa' }),
      ];
      for (const m of mine) await store.insert(m);
      await store.insert(message({ nodeSource: 'cc', nodeDestination: 'dd' }));
      const claimed = await store.claimNextDue('aa', at(50)); // mine[1]
      expect(claimed?.id).toBe(mine[1]?.id);
      const ids = async (status: 'pending' | 'processing' | 'processed', limit = 10) =>
        (await store.list('aa', limit, status)).map((m) => m.id);
      expect(await ids('processing')).toEqual([mine[1]?.id]);
      expect(await ids('pending')).toEqual([mine[0]?.id, mine[2]?.id, mine[3]?.id]);
      expect(await ids('pending', 2)).toEqual([mine[0]?.id, mine[2]?.id]);
      expect(await ids('processed')).toEqual([]);
    });

    it('statusGroups: counts by destination and status, each with its oldest time', async () => {
      const store = await fresh();
      const statusGroups = store.statusGroups?.bind(store);
      if (!statusGroups) throw new Error('the store has no statusGroups');
      expect(await statusGroups()).toEqual([]);
      const first = message({ createdTime: at(10) });
      const second = message({ createdTime: at(20) });
      const third = message({ createdTime: at(30) });
      const later = message({ status: 'scheduled', scheduledTime: at(5_000), createdTime: at(40) });
      const other = message({ nodeDestination: 'cc', createdTime: at(50) });
      for (const m of [first, second, third, later, other]) await store.insert(m);
      await store.claimNextDue('bb', at(100)); // first
      await store.claimNextDue('bb', at(200)); // second
      await store.ack(second.id, 'bb', at(300));
      const groups = [...(await statusGroups())].sort((a, b) =>
        `${a.node} ${a.status}`.localeCompare(`${b.node} ${b.status}`),
      );
      expect(groups).toEqual([
        { node: 'bb', status: 'pending', count: 1, oldest: at(30) },
        { node: 'bb', status: 'processed', count: 1, oldest: at(300) },
        { node: 'bb', status: 'processing', count: 1, oldest: at(100) },
        { node: 'bb', status: 'scheduled', count: 1, oldest: at(40) },
        { node: 'cc', status: 'pending', count: 1, oldest: at(50) },
      ]);
    });
  });
}
