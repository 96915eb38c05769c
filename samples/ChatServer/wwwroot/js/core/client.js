// The chat client: joins the WebSocket protocol (DESIGN §6) and the REST API to the state the UI renders.
// Delivery is at-least-once, so everything here is idempotent: messages de-duplicate by message_id, sends repeat
// with the same client_msg_id, acks are watermarks.

import { Api } from './api.js';
import { Connection } from './connection.js';
import { Outbox } from './outbox.js';
import { deviceId, newId } from './session.js';
import { ChatState } from './state.js';
import { uploadFile } from './uploads.js';

/**
 * The longest message text the server accepts, in UTF-16 code units (what both String.length and the server count).
 * The server does not publish it: it is MessagingOptions.MaxContentLength (src/Messaging.Core/Engine/Options/
 * MessagingOptions.cs, default 16,384); a host that changes it there changes it here too.
 */
export const MAX_CONTENT_LENGTH = 16_384;

const PAGE_SIZE = 50;
const TYPING_REPEAT_MS = 2500;
const TYPING_IDLE_MS = 3000;
// The server forwards "typing" at most once per MessagingOptions.TypingThrottle (default 2 s) per user and chat and
// drops the rest: starting again soon after a "stopped" waits until it would pass.
const TYPING_THROTTLE_MS = 2000;
// After a send, "stopped" waits this long for the next keystroke, so a typist who goes straight on writing keeps their
// indicator up instead of it going off and, held back by the throttle, coming back up to 2 s later.
const TYPING_AFTER_SEND_MS = 1500;
const RETRYABLE_ERRORS = new Set(['rate_limited', 'internal']);
const RECEIPT_REFRESH_LIMIT = 20;

export class ChatClient extends EventTarget {
  /** The chat being typed in (null: stopped), and when and where the last "typing" went out. */
  #typing = { conversationId: null, sentAt: 0, sentTo: null, idleTimer: 0, resumeTimer: 0 };
  #delivered = new Set();
  #deliveredTimer = 0;
  #unknown = new Map();
  #subscribed = new Set();
  #listed = false;
  #resyncing = null;
  #opens = 0;
  /** client_msg_id -> the connection (by open count) that first carried it; -1 for a previous page's. */
  #firstSentOn = new Map();

  /** Events: 'active' (the open conversation changed), 'notice' (detail: text for a toast). */
  constructor(userId, { onUnauthorized } = {}) {
    super();
    this.me = userId;
    this.deviceId = deviceId(userId);
    this.state = new ChatState(userId);
    this.api = new Api(userId, onUnauthorized);
    this.outbox = new Outbox(userId);
    this.activeId = null;
    this.connection = new Connection(() => this.#socketUrl());
    this.connection.addEventListener('open', (event) => this.#onOpen(event.detail.reconnect));
    this.connection.addEventListener('frame', (event) => this.#onFrame(event.detail));
    this.connection.addEventListener('state', (event) => {
      if (event.detail.state !== 'open' && this.state.presence.size > 0) this.state.clearPresence();
    });
    this.onVisibility = () => this.markActiveRead();
  }

  async start() {
    document.addEventListener('visibilitychange', this.onVisibility);
    window.addEventListener('focus', this.onVisibility);
    await this.#refreshConversations().catch((error) => this.#notice(`Could not load chats: ${error.message}`));
    this.connection.start();
  }

  stop() {
    document.removeEventListener('visibilitychange', this.onVisibility);
    window.removeEventListener('focus', this.onVisibility);
    clearTimeout(this.#typing.idleTimer);
    clearTimeout(this.#typing.resumeTimer);
    clearTimeout(this.#deliveredTimer);
    this.connection.stop();
  }

  // ---- conversations ------------------------------------------------------------------------------------------

  async startDirect(userId) {
    const conv = this.state.upsertConversation(await this.api.createDirect(userId));
    this.#subscribePresence();
    return conv;
  }

  async createGroup(name, members) {
    return this.state.upsertConversation(await this.api.createGroup(name, members));
  }

  /** Opens a conversation: loads its newest page once, then marks it read while the page is visible. */
  async open(conversationId) {
    if (this.activeId !== conversationId) this.stopTyping();
    this.activeId = conversationId;
    this.dispatchEvent(new CustomEvent('active'));
    const conv = this.state.get(conversationId);
    if (!conv) return;
    if (!conv.history.loaded) await this.#loadHistory(conv);
    else await this.#fillGaps(conv);
    this.markActiveRead();
  }

  close() {
    this.stopTyping();
    this.activeId = null;
    this.dispatchEvent(new CustomEvent('active'));
  }

  /** Loads the page before the oldest loaded message (scrolling up). */
  async loadOlder(conv) {
    const before = conv.oldestSeq();
    if (!conv.history.loaded || conv.history.complete || conv.history.loading || before == null) return;
    await this.#page(conv, async () => {
      const page = await this.api.getMessages(conv.id, { before, limit: PAGE_SIZE });
      page.forEach((message) => this.state.applyMessage(message));
      conv.history.complete = page.length < PAGE_SIZE || before <= 1;
    });
  }

  // ---- sending --------------------------------------------------------------------------------------------------

  /** Shows the message at once (clock icon) and sends it now or after the next reconnect. */
  send(conversationId, content, attachment = null) {
    if (content.length > MAX_CONTENT_LENGTH) throw new RangeError(`A message may have at most ${MAX_CONTENT_LENGTH} characters.`);
    const item = { client_msg_id: newId(), conversation_id: conversationId, content, created_at: new Date().toISOString() };
    if (attachment) Object.assign(item, { media_id: attachment.mediaId, media: attachment.media });
    this.#typingAfterSend(conversationId);
    this.outbox.add(item);
    this.state.addPending(conversationId, item.client_msg_id, content, new Date(item.created_at), attachment);
    this.#transmit(item);
  }

  /** Uploads a file (resumably), then sends it as a media message; `onProgress(sent, total)` follows the upload. */
  async sendFile(conversationId, file, onProgress) {
    this.send(conversationId, '', await uploadFile(this.me, file, onProgress));
  }

  /** Forgets a message the server refused. */
  discard(conversationId, clientMsgId) {
    this.outbox.remove(clientMsgId);
    this.state.removePending(conversationId, clientMsgId);
  }

  /**
   * Called on every keystroke: sends typing=true at once, then at most every 2.5 s, and typing=false after 3 s of
   * quiet. Starting again in the same chat within the server's throttle of the last one waits for it to pass.
   */
  notifyTyping(conversationId) {
    const typing = this.#typing;
    if (typing.conversationId && typing.conversationId !== conversationId) this.stopTyping();
    const active = typing.conversationId === conversationId;
    const gap = active ? TYPING_REPEAT_MS : typing.sentTo === conversationId ? TYPING_THROTTLE_MS : 0;
    const wait = typing.sentAt + gap - Date.now();
    if (wait <= 0) {
      this.#sendTyping(conversationId);
    } else if (!active) {
      typing.conversationId = conversationId;
      typing.resumeTimer = setTimeout(() => this.#sendTyping(conversationId), wait);
    }
    clearTimeout(typing.idleTimer);
    typing.idleTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  #sendTyping(conversationId) {
    const typing = this.#typing;
    clearTimeout(typing.resumeTimer);
    if (this.connection.send({ type: 'typing', conversation_id: conversationId, is_typing: true })) {
      Object.assign(typing, { conversationId, sentAt: Date.now(), sentTo: conversationId });
    }
  }

  /** A send ends typing unless the user goes on writing soon; the throttle's schedule carries on meanwhile. */
  #typingAfterSend(conversationId) {
    const typing = this.#typing;
    if (typing.conversationId !== conversationId) {
      this.stopTyping();
      return;
    }
    clearTimeout(typing.idleTimer);
    typing.idleTimer = setTimeout(() => this.stopTyping(), TYPING_AFTER_SEND_MS);
  }

  stopTyping() {
    const typing = this.#typing;
    clearTimeout(typing.idleTimer);
    clearTimeout(typing.resumeTimer);
    if (typing.conversationId) {
      this.connection.send({ type: 'typing', conversation_id: typing.conversationId, is_typing: false });
    }
    typing.conversationId = null;
  }

  /** Sends a read receipt up to the newest message of the open conversation, if the page is visible. */
  markActiveRead() {
    const conv = this.activeId ? this.state.get(this.activeId) : null;
    if (!conv?.history.loaded || document.visibilityState !== 'visible' || conv.lastSeq <= conv.readSeq) return;
    const upTo = conv.lastSeq;
    if (this.connection.send({ type: 'ack', conversation_id: conv.id, up_to_seq: upTo, status: 'read' })) {
      this.state.markRead(conv, upTo);
    }
  }

  // ---- connection events ----------------------------------------------------------------------------------------

  #socketUrl() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const query = new URLSearchParams({ access_token: this.me, device_id: this.deviceId });
    return `${scheme}//${location.host}/ws?${query}`;
  }

  async #onOpen(reconnect) {
    this.#opens++;
    let resynced = Promise.resolve();
    if (!this.#listed) await this.#refreshConversations().catch(() => {});
    // Runs beside the resends below: a resend the server refuses as not_found waits for it (see #onError).
    else if (reconnect) resynced = this.#resynchronise().catch((error) => console.warn('Could not reload chats', error));
    this.#subscribed.clear();
    this.#subscribePresence();
    // The server also catches up from this device's stored marks; the cursors cover what this page holds.
    if (reconnect) {
      this.connection.send({ type: 'sync', cursors: this.state.cursors() });
      // Receipt updates are pushed once: those that fell into the gap are read back for the recent chats (the ones
      // the server still has).
      resynced.then(() => {
        for (const conv of this.state.sorted().slice(0, RECEIPT_REFRESH_LIMIT)) {
          this.#refreshReceipts(conv, conv.newestOwn(this.me));
        }
      });
    }
    for (const item of this.outbox.all()) this.#transmit(item);
    this.#flushDelivered();
    this.markActiveRead();
  }

  #onFrame(frame) {
    switch (frame.type) {
      case 'message':
        this.#onMessage(frame);
        break;
      case 'status_update':
        this.#onStatus(frame);
        break;
      case 'typing':
        this.state.setTyping(frame.conversation_id, frame.user_id, frame.is_typing === true);
        break;
      case 'presence':
        this.state.setPresence(frame);
        break;
      case 'error':
        this.#onError(frame);
        break;
      default:
        break; // pong, sync_complete and future frame types need no action.
    }
  }

  #onMessage(frame) {
    const result = this.state.applyMessage(frame);
    if (!result) {
      // A conversation this page has not seen yet (someone just started it): fetch it, then apply in order.
      this.#discover(frame.conversation_id).then(
        () => this.state.get(frame.conversation_id) && this.#onMessage(frame),
        (error) => console.warn('Could not load conversation', frame.conversation_id, error));
      return;
    }
    if (frame.sender_id === this.me) {
      this.#stored(frame.conversation_id, frame.client_msg_id, frame.message_id);
    } else {
      // Acked even when it is a repeat: the ack is what stops the server from repeating it.
      this.#delivered.add(frame.message_id);
      clearTimeout(this.#deliveredTimer);
      this.#deliveredTimer = setTimeout(() => this.#flushDelivered(), 50);
    }
    if (result.conv.id === this.activeId) {
      this.#fillGaps(result.conv).then(() => this.markActiveRead());
    }
  }

  #onStatus(frame) {
    this.state.applyStatus(frame);
    if (frame.status === 'sent') this.#stored(frame.conversation_id, frame.client_msg_id, frame.message_id);
  }

  /** The server has an own message: it leaves the outbox. */
  #stored(conversationId, clientMsgId, messageId) {
    if (!clientMsgId || !this.outbox.get(clientMsgId)) return;
    this.outbox.remove(clientMsgId);
    // A message that crossed a reconnect may have been delivered and read meanwhile, with those updates lost.
    if (this.#firstSentOn.get(clientMsgId) !== this.#opens) {
      const conv = this.state.get(conversationId);
      if (conv) this.#refreshReceipts(conv, conv.messages.get(messageId));
    }
    this.#firstSentOn.delete(clientMsgId);
  }

  #onError(frame) {
    const item = frame.client_msg_id ? this.outbox.get(frame.client_msg_id) : null;
    // A refusal of a message that already left the outbox (stored, or discarded with a chat the server lost).
    if (frame.client_msg_id && !item) return;
    if (!item) {
      this.#notice(frame.message || `Request failed (${frame.code}).`);
      return;
    }
    if (RETRYABLE_ERRORS.has(frame.code)) {
      setTimeout(() => this.outbox.get(item.client_msg_id) && this.#transmit(item), 3000);
      return;
    }
    if (frame.code === 'not_found') {
      // A chat this page shows that the server does not know: it may have lost its state. Reload the list first;
      // if the chat is gone, its unsent messages went with it.
      this.#resynchronise().catch((error) => console.warn('Could not reload chats', error))
        .finally(() => this.outbox.get(item.client_msg_id) && this.#fail(item, frame));
      return;
    }
    this.#fail(item, frame);
  }

  #fail(item, frame) {
    this.outbox.remove(item.client_msg_id);
    this.state.setPendingError(item.conversation_id, item.client_msg_id, frame.message || frame.code);
  }

  #transmit(item) {
    if (!this.#firstSentOn.has(item.client_msg_id)) this.#firstSentOn.set(item.client_msg_id, this.#opens);
    this.connection.send({
      type: 'message', conversation_id: item.conversation_id, content: item.content, client_msg_id: item.client_msg_id,
      media_id: item.media_id ?? null,
    });
  }

  #flushDelivered() {
    const ids = [...this.#delivered];
    for (let i = 0; i < ids.length; i += 100) {
      const batch = ids.slice(i, i + 100);
      if (!this.connection.send({ type: 'ack', message_ids: batch, status: 'delivered' })) return;
      batch.forEach((id) => this.#delivered.delete(id));
    }
  }

  // ---- loading --------------------------------------------------------------------------------------------------

  async #refreshConversations() {
    const list = await this.api.listConversations();
    for (const dto of list) {
      const conv = this.state.upsertConversation(dto);
      this.#refreshReceipts(conv, conv.newestOwn(this.me));
    }
    for (const item of this.outbox.all()) {
      this.#firstSentOn.set(item.client_msg_id, -1);
      const attachment = item.media_id ? { mediaId: item.media_id, media: item.media ?? null } : null;
      this.state.addPending(item.conversation_id, item.client_msg_id, item.content, new Date(item.created_at), attachment);
    }
    this.#listed = true;
    this.#subscribePresence();
  }

  /**
   * Compares the chat list with what this page holds (after a reconnect, or when the server did not know a chat). A
   * server that lost its state (an in-memory one restarted) no longer lists chats this page shows, or lists them with
   * fewer messages: those are dropped with their unsent messages (no server can deliver them) and their presence,
   * and the user is told. Chats created while the list was on its way are left alone. One comparison at a time.
   */
  #resynchronise() {
    this.#resyncing ??= this.#compareWithServer().finally(() => {
      this.#resyncing = null;
    });
    return this.#resyncing;
  }

  async #compareWithServer() {
    const known = [...this.state.conversations.values()];
    const list = await this.api.listConversations();
    const listed = new Map(list.map((dto) => [dto.conversation_id, dto]));
    const missing = known.filter((conv) => !listed.has(conv.id));
    // Fewer messages than this page holds, and the server's newest is not one this page holds at that seq (so the
    // list is not merely a moment behind live delivery): the conversation started over.
    const rewound = known.filter((conv) => {
      const dto = listed.get(conv.id);
      if (!dto || (dto.last_seq ?? 0) >= conv.lastSeq) return false;
      const newest = dto.last_message;
      if (!newest) return true;
      const held = conv.messages.get(newest.message_id)
        ?? (conv.lastMessage?.messageId === newest.message_id ? conv.lastMessage : null);
      return held?.seq !== newest.seq;
    });
    const stale = [...missing, ...rewound];
    let discarded = 0;
    for (const conv of stale) {
      for (const item of this.outbox.all().filter((queued) => queued.conversation_id === conv.id)) {
        this.outbox.remove(item.client_msg_id);
        this.#firstSentOn.delete(item.client_msg_id);
        discarded++;
      }
      this.state.removeConversation(conv.id);
    }
    for (const dto of list) this.state.upsertConversation(dto);
    if (stale.length === 0) return;
    this.state.clearPresence();
    this.#subscribed.clear();
    this.#subscribePresence();
    if (stale.some((conv) => conv.id === this.activeId)) this.close();
    const lost = rewound.length > 0 || missing.length === known.length;
    const [only] = stale;
    const chats = stale.length > 1 ? `${stale.length} of your chats`
      : only.isGroup ? `the group “${only.title(this.me)}”` : `your chat with ${only.title(this.me)}`;
    const unsent = discarded ? ` ${discarded} unsent message${discarded === 1 ? ' was' : 's were'} discarded.` : '';
    this.#notice(lost
      ? `The server has lost ${chats} (it was probably restarted without its data). Your chat list was reloaded.${unsent}`
      : `You are no longer in ${chats}.${unsent}`);
  }

  #discover(conversationId) {
    if (!this.#unknown.has(conversationId)) {
      const request = this.api.getConversation(conversationId)
        .then((dto) => {
          this.state.upsertConversation(dto);
          this.#subscribePresence();
        })
        .finally(() => this.#unknown.delete(conversationId));
      this.#unknown.set(conversationId, request);
    }
    return this.#unknown.get(conversationId);
  }

  /** Subscribes to the presence of every direct-chat peer not yet subscribed on this connection. */
  #subscribePresence() {
    const peers = [];
    for (const conv of this.state.conversations.values()) {
      const peer = conv.peerId(this.me);
      if (peer && peer !== this.me && !this.#subscribed.has(peer)) peers.push(peer);
    }
    if (peers.length && this.connection.send({ type: 'presence_subscribe', user_ids: peers })) {
      peers.forEach((peer) => this.#subscribed.add(peer));
    }
  }

  async #loadHistory(conv) {
    await this.#page(conv, async () => {
      const page = await this.api.getMessages(conv.id, { limit: PAGE_SIZE });
      page.forEach((message) => this.state.applyMessage(message));
      conv.history.loaded = true;
      conv.history.complete = page.length < PAGE_SIZE;
    });
    await this.#fillGaps(conv);
    await this.#refreshReceipts(conv, conv.newestOwn(this.me));
  }

  /** Fetches the messages between what history paging loaded and what arrived live, if anything is missing. */
  async #fillGaps(conv) {
    for (let guard = 0; guard < 20; guard++) {
      const after = conv.firstGapAfter();
      if (after == null) return;
      const page = await this.api.getMessages(conv.id, { after, limit: 100 }).catch(() => []);
      page.forEach((message) => this.state.applyMessage(message));
      if (page.length === 0) return;
    }
  }

  /**
   * History has no receipt states: ask for the receipts of the newest own message. Receipts are watermarks, so
   * its status also holds for every older own message.
   */
  async #refreshReceipts(conv, message) {
    if (!message || message.senderId !== this.me || !message.messageId || message.status === 'read') return;
    try {
      const { receipts = [] } = await this.api.getReceipts(message.messageId);
      const others = receipts.filter((receipt) => receipt.user_id !== this.me);
      if (others.length === 0) return;
      const status = others.every((r) => r.read_at) ? 'read'
        : others.every((r) => r.delivered_at || r.read_at) ? 'delivered' : null;
      if (status) {
        this.state.applyStatus({ conversation_id: conv.id, message_id: message.messageId, seq: message.seq, status });
      }
    } catch (error) {
      console.warn('Could not load receipts', error);
    }
  }

  async #page(conv, load) {
    conv.history.loading = true;
    conv.history.error = null;
    this.state.emit('messages', conv.id);
    try {
      await load();
    } catch (error) {
      conv.history.error = error.message;
    } finally {
      conv.history.loading = false;
      this.state.emit('messages', conv.id);
    }
  }

  #notice(text) {
    this.dispatchEvent(new CustomEvent('notice', { detail: text }));
  }
}
