// The client's model of conversations and messages. Messages are de-duplicated by message_id (at-least-once delivery
// repeats them), own pending messages are matched by client_msg_id, and lists are ordered by seq. Receipts are
// watermarks: a status for seq N applies to every own message up to N.

const STATUS_RANK = { failed: -1, pending: 0, sent: 1, delivered: 2, read: 3 };
const TYPING_TIMEOUT_MS = 3000;

function parseDate(value) {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function later(a, b) {
  if (!a) return b;
  if (!b) return a;
  return b > a ? b : a;
}

/** Raises a message's status; never lowers it (duplicates and reordering of status updates are harmless). */
function raise(message, status) {
  if ((STATUS_RANK[status] ?? -2) > (STATUS_RANK[message.status] ?? -2)) message.status = status;
}

let localOrder = 0;

/** A message as the UI sees it. `status` is set for own messages only. */
function messageFromFrame(frame, me) {
  return {
    key: frame.message_id,
    messageId: frame.message_id,
    conversationId: frame.conversation_id,
    seq: frame.seq,
    senderId: frame.sender_id,
    clientMsgId: frame.client_msg_id ?? null,
    content: frame.content ?? '',
    mediaId: frame.media_id ?? null,
    media: frame.media ?? null,
    kind: frame.kind ?? 'text',
    timestamp: parseDate(frame.timestamp) ?? new Date(),
    status: frame.sender_id === me ? 'sent' : null,
    error: null,
    localOrder: ++localOrder,
  };
}

export class Conversation {
  constructor(id) {
    this.id = id;
    this.type = 'direct';
    this.name = null;
    this.members = [];
    this.createdAt = null;
    this.lastSeq = 0;
    this.readSeq = 0;
    /** Every seq up to this one is held or was deliberately left to history paging: the `sync` cursor. */
    this.syncedSeq = 0;
    this.lastMessage = null;
    this.lastActivity = null;
    this.messages = new Map();
    this.pendingByClientId = new Map();
    this.seqs = new Set();
    this.history = { loaded: false, loading: false, complete: false };
    this.typing = new Map();
    /** Receipt watermarks for own messages: every other member has received / read everything up to these seqs. */
    this.receipts = { delivered: 0, read: 0 };
  }

  get isGroup() {
    return this.type === 'group';
  }

  get unread() {
    return Math.max(0, this.lastSeq - this.readSeq);
  }

  /** The other member of a direct conversation (yourself in a note-to-self). */
  peerId(me) {
    if (this.isGroup) return null;
    return this.members.find((member) => member.userId !== me)?.userId ?? me;
  }

  title(me) {
    return this.isGroup ? this.name || 'Group' : this.peerId(me);
  }

  typingUsers() {
    return [...this.typing.keys()];
  }

  /** Messages in display order: by seq, then not-yet-sequenced own messages in the order they were written. */
  ordered() {
    return [...this.messages.values()].sort((a, b) => {
      if (a.seq != null && b.seq != null) return a.seq - b.seq;
      if (a.seq != null) return -1;
      if (b.seq != null) return 1;
      return a.localOrder - b.localOrder;
    });
  }

  /** The newest message for the list preview: a pending one if any, else the newest sequenced one. */
  preview() {
    let pending = null;
    for (const key of this.pendingByClientId.values()) {
      const message = this.messages.get(key);
      if (message && (!pending || message.localOrder > pending.localOrder)) pending = message;
    }
    return pending ?? this.lastMessage;
  }

  /** The newest own message the server has sequenced (from history or the list preview), or null. */
  newestOwn(me) {
    let newest = this.lastMessage?.senderId === me ? this.lastMessage : null;
    for (const message of this.messages.values()) {
      if (message.senderId === me && message.seq != null && (!newest || message.seq > newest.seq)) newest = message;
    }
    return newest;
  }

  /** The first hole in the loaded seq range, as an `after` cursor for history paging; null when contiguous. */
  firstGapAfter() {
    if (!this.history.loaded || this.seqs.size === 0) return null;
    const sorted = [...this.seqs].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i] !== sorted[i - 1] + 1) return sorted[i - 1];
    }
    return null;
  }

  oldestSeq() {
    let oldest = null;
    for (const seq of this.seqs) if (oldest == null || seq < oldest) oldest = seq;
    return oldest;
  }
}

export class ChatState extends EventTarget {
  /** Events: 'conversations', 'messages' (detail: conversation id), 'typing' (id), 'presence' (user id). */
  constructor(me) {
    super();
    this.me = me;
    this.conversations = new Map();
    this.presence = new Map();
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  get(conversationId) {
    return this.conversations.get(conversationId);
  }

  /** Conversations by last activity, newest first. */
  sorted() {
    const time = (conv) => (conv.lastActivity ?? conv.createdAt ?? new Date(0)).getTime();
    return [...this.conversations.values()].sort((a, b) => time(b) - time(a));
  }

  /** The `sync` cursors: per conversation, the seq up to which this client holds what it needs. */
  cursors() {
    return Object.fromEntries([...this.conversations.values()].map((conv) => [conv.id, conv.syncedSeq]));
  }

  /** Adds or refreshes a conversation from a REST body. */
  upsertConversation(dto) {
    let conv = this.conversations.get(dto.conversation_id);
    if (!conv) {
      conv = new Conversation(dto.conversation_id);
      this.conversations.set(conv.id, conv);
    }
    conv.type = dto.type ?? conv.type;
    conv.name = dto.name ?? conv.name;
    conv.members = (dto.members ?? []).map((member) => ({ userId: member.user_id, role: member.role }));
    conv.createdAt = parseDate(dto.created_at) ?? conv.createdAt ?? new Date();
    const lastSeq = dto.last_seq ?? 0;
    if (lastSeq >= conv.lastSeq) {
      conv.lastSeq = lastSeq;
      conv.readSeq = Math.max(conv.readSeq, lastSeq - (dto.unread_count ?? 0));
      conv.syncedSeq = Math.max(conv.syncedSeq, lastSeq);
      if (dto.last_message) {
        const last = conv.messages.get(dto.last_message.message_id) ?? messageFromFrame(dto.last_message, this.me);
        conv.lastMessage = last;
        this.#applyReceipts(conv, last);
      }
    }
    conv.lastActivity = later(conv.lastActivity, parseDate(dto.last_activity) ?? conv.lastMessage?.timestamp ?? conv.createdAt);
    this.emit('conversations');
    return conv;
  }

  /** Forgets a conversation the server no longer has (its messages and typing timers with it). */
  removeConversation(conversationId) {
    const conv = this.conversations.get(conversationId);
    if (!conv) return;
    conv.typing.forEach((timer) => clearTimeout(timer));
    this.conversations.delete(conversationId);
    this.emit('conversations');
  }

  /** Applies a message (live, catch-up or history). Returns null for an unknown conversation. */
  applyMessage(frame) {
    const conv = this.conversations.get(frame.conversation_id);
    if (!conv) return null;
    let message = conv.messages.get(frame.message_id);
    let added = false;
    if (!message) {
      const pendingKey = frame.sender_id === this.me && frame.client_msg_id
        ? conv.pendingByClientId.get(frame.client_msg_id) : undefined;
      if (pendingKey) {
        message = this.#sequence(conv, pendingKey, frame.message_id, frame.seq);
        message.timestamp = parseDate(frame.timestamp) ?? message.timestamp;
        raise(message, 'sent');
      } else {
        message = messageFromFrame(frame, this.me);
        if (conv.lastMessage?.messageId === message.messageId) raise(message, conv.lastMessage.status);
        conv.messages.set(message.key, message);
        added = true;
      }
      // A typist's message does not end their typing: they may go on writing the next one. Their "stopped" (or
      // 3 s without a "typing") does; clearing here would hide the indicator until their next throttled "typing".
      this.#commit(conv, message);
    }
    this.emit('messages', conv.id);
    this.emit('conversations');
    return { conv, message, added };
  }

  /** Applies a `status_update` for an own message: sent (with seq), delivered or read (watermark). */
  applyStatus(frame) {
    const conv = this.conversations.get(frame.conversation_id);
    if (!conv) return;
    let message = conv.messages.get(frame.message_id);
    const pendingKey = frame.client_msg_id ? conv.pendingByClientId.get(frame.client_msg_id) : undefined;
    if (!message && pendingKey) {
      message = this.#sequence(conv, pendingKey, frame.message_id, frame.seq);
      this.#commit(conv, message);
    }
    if (message) raise(message, frame.status);
    if ((frame.status === 'delivered' || frame.status === 'read') && frame.seq > conv.receipts[frame.status]) {
      // Kept on the conversation, so own messages that load later (history paging) get the status too.
      conv.receipts[frame.status] = frame.seq;
      for (const own of conv.messages.values()) this.#applyReceipts(conv, own);
      if (conv.lastMessage) this.#applyReceipts(conv, conv.lastMessage);
    }
    this.emit('messages', conv.id);
    this.emit('conversations');
  }

  /** Shows an own message that is not yet acknowledged by the server (clock icon). */
  addPending(conversationId, clientMsgId, content, createdAt = new Date(), attachment = null) {
    const conv = this.conversations.get(conversationId);
    if (!conv || conv.pendingByClientId.has(clientMsgId)) return;
    const key = `local:${clientMsgId}`;
    conv.messages.set(key, {
      key, messageId: null, conversationId, seq: null, senderId: this.me, clientMsgId, content,
      mediaId: attachment?.mediaId ?? null, media: attachment?.media ?? null,
      kind: attachment ? 'media' : 'text', timestamp: createdAt, status: 'pending', error: null, localOrder: ++localOrder,
    });
    conv.pendingByClientId.set(clientMsgId, key);
    conv.lastActivity = later(conv.lastActivity, createdAt);
    this.emit('messages', conv.id);
    this.emit('conversations');
  }

  /** Marks a pending message as failed (or pending again with error = null). */
  setPendingError(conversationId, clientMsgId, error) {
    const conv = this.conversations.get(conversationId);
    const message = conv?.messages.get(conv.pendingByClientId.get(clientMsgId));
    if (!message) return;
    message.status = error ? 'failed' : 'pending';
    message.error = error;
    this.emit('messages', conv.id);
    this.emit('conversations');
  }

  removePending(conversationId, clientMsgId) {
    const conv = this.conversations.get(conversationId);
    const key = conv?.pendingByClientId.get(clientMsgId);
    if (!key) return;
    conv.pendingByClientId.delete(clientMsgId);
    conv.messages.delete(key);
    this.emit('messages', conv.id);
    this.emit('conversations');
  }

  markRead(conv, upToSeq) {
    if (upToSeq <= conv.readSeq) return;
    conv.readSeq = upToSeq;
    this.emit('conversations');
  }

  setTyping(conversationId, userId, isTyping) {
    const conv = this.conversations.get(conversationId);
    if (!conv || userId === this.me) return;
    if (!isTyping) {
      this.#stopTyping(conv, userId);
      return;
    }
    clearTimeout(conv.typing.get(userId));
    // Receivers clear the indicator themselves after 3 s without a new event (DESIGN §5).
    conv.typing.set(userId, setTimeout(() => this.#stopTyping(conv, userId), TYPING_TIMEOUT_MS));
    this.emit('typing', conv.id);
  }

  /** Forgets every presence (disconnected: it is unknown until the server pushes it again). */
  clearPresence() {
    const users = [...this.presence.keys()];
    this.presence.clear();
    users.forEach((user) => this.emit('presence', user));
  }

  setPresence(frame) {
    this.presence.set(frame.user_id, { status: frame.status, lastSeen: parseDate(frame.last_seen) });
    this.emit('presence', frame.user_id);
  }

  #stopTyping(conv, userId) {
    if (!conv.typing.has(userId)) return;
    clearTimeout(conv.typing.get(userId));
    conv.typing.delete(userId);
    this.emit('typing', conv.id);
  }

  // Re-keys a pending message under its server id once the server has sequenced it.
  #sequence(conv, pendingKey, messageId, seq) {
    const message = conv.messages.get(pendingKey);
    conv.messages.delete(pendingKey);
    conv.pendingByClientId.delete(message.clientMsgId);
    Object.assign(message, { key: messageId, messageId, seq, error: null });
    conv.messages.set(messageId, message);
    return message;
  }

  /** Raises an own sequenced message to the conversation's receipt watermarks (read implies delivered). */
  #applyReceipts(conv, message) {
    if (message.senderId !== this.me || message.seq == null) return;
    if (message.seq <= conv.receipts.read) raise(message, 'read');
    else if (message.seq <= conv.receipts.delivered) raise(message, 'delivered');
  }

  #commit(conv, message) {
    this.#applyReceipts(conv, message);
    conv.seqs.add(message.seq);
    while (conv.seqs.has(conv.syncedSeq + 1)) conv.syncedSeq++;
    conv.lastSeq = Math.max(conv.lastSeq, message.seq);
    if (!conv.lastMessage || message.seq >= conv.lastMessage.seq) conv.lastMessage = message;
    conv.lastActivity = later(conv.lastActivity, message.timestamp);
    if (message.senderId === this.me) conv.readSeq = Math.max(conv.readSeq, message.seq);
  }
}
