/**
 * Message ids in insertion order, for the in-memory store's indexes: appending is an array push
 * (no hashing), and an id whose message no longer belongs (claimed, deleted) is not looked for
 * and removed but dropped by the next scan that passes it.
 */
export class IdQueue {
  #ids: string[] = [];
  #head = 0;
  readonly #belongs: (id: string) => boolean;

  /** @param belongs - whether an id still belongs in the queue. */
  constructor(belongs: (id: string) => boolean) {
    this.#belongs = belongs;
  }

  /** Whether no id is left, live or not. */
  get drained(): boolean {
    return this.#head >= this.#ids.length;
  }

  add(id: string): void {
    this.#ids.push(id);
  }

  /**
   * Visits the ids that still belong, oldest first, until `visit` returns `false`. The part of the
   * queue it went through is packed on the way out: what no longer belongs there is dropped, at
   * no more cost than the visit itself.
   */
  scan(visit: (id: string) => boolean): void {
    const ids = this.#ids;
    const kept: string[] = [];
    let end = this.#head;
    while (end < ids.length) {
      const id = ids[end++] as string;
      if (!this.#belongs(id)) continue;
      const more = visit(id);
      if (this.#belongs(id)) kept.push(id);
      if (!more) break;
    }
    let head = end;
    for (let k = kept.length - 1; k >= 0; k--) ids[--head] = kept[k] as string;
    this.#head = head;
    if (head > 1024 && head * 2 > ids.length) {
      this.#ids = ids.slice(head);
      this.#head = 0;
    }
  }

  /** Every id that still belongs, oldest first. */
  live(): string[] {
    const found: string[] = [];
    this.scan((id) => {
      found.push(id);
      return true;
    });
    return found;
  }
}
