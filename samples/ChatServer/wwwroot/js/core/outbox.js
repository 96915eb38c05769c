// Messages written but not yet acknowledged by the server. Kept in localStorage so that a reload, a crash or a long
// offline spell never loses them; each is re-sent with its original client_msg_id, which the server de-duplicates.

export class Outbox {
  #key;
  #items;

  constructor(userId) {
    this.#key = `messaging.outbox.${userId}`;
    try {
      const stored = JSON.parse(localStorage.getItem(this.#key) ?? '[]');
      this.#items = Array.isArray(stored) ? stored.filter((item) => item?.client_msg_id && item.conversation_id) : [];
    } catch {
      this.#items = [];
    }
  }

  /** Items in the order they were written. */
  all() {
    return [...this.#items];
  }

  get(clientMsgId) {
    return this.#items.find((item) => item.client_msg_id === clientMsgId);
  }

  add(item) {
    this.#items.push(item);
    this.#save();
  }

  remove(clientMsgId) {
    const before = this.#items.length;
    this.#items = this.#items.filter((item) => item.client_msg_id !== clientMsgId);
    if (this.#items.length !== before) this.#save();
  }

  #save() {
    try {
      localStorage.setItem(this.#key, JSON.stringify(this.#items));
    } catch {
      // Storage full or disabled: the messages still live in memory until the server acknowledges them.
    }
  }
}
