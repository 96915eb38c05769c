// The message list: bubbles in seq order with day separators, an unread divider, sender names in groups and
// receipt marks. Elements are keyed and reused, so scroll position and selection survive updates.
import { el, reconcileChildren, setText } from './dom.js';
import { dayKey, formatDay, formatSize, formatTime, hueOf } from './format.js';
import { statusMark, updateStatusMark } from './status.js';
import { isPreviewable, mediaUrl } from '../core/uploads.js';

const NEAR_BOTTOM_PX = 96;

export class MessageList {
  #client;
  #scroller;
  #list;
  #historyStatus;
  #rows = new Map();
  #separators = new Map();
  #unreadDivider = el('li', { class: 'unread-divider', 'data-testid': 'unread-divider' }, el('span'));
  #conversationId = null;
  #firstUnreadSeq = null;
  #unreadCount = 0;
  #lastKey = null;
  /** Whether the reader follows the newest message: true at the bottom, false once they scroll up. */
  #atBottom = true;
  /** scrollTop at the last scroll event. */
  #lastTop = 0;

  constructor(client, { scroller, list, historyStatus }) {
    this.#client = client;
    this.#scroller = scroller;
    this.#list = list;
    this.#historyStatus = historyStatus;
    scroller.addEventListener('scroll', () => {
      // Only scrolling up stops following. The browser also scrolls by itself (scroll anchoring when content grows,
      // clamping when it shrinks), and the event of a scroll to the end may come after an image grew the content again.
      const top = scroller.scrollTop;
      this.#atBottom = this.#nearBottom() || (this.#atBottom && top >= this.#lastTop);
      this.#lastTop = top;
      const conv = this.#conversationId && client.state.get(this.#conversationId);
      if (conv && scroller.scrollTop < 160) client.loadOlder(conv);
    }, { passive: true });
    // A reader at the bottom stays there when the pane shrinks (the composer grows, the window resizes) and when
    // the messages grow after they were laid out: an image gets its height only once it has loaded.
    const follow = new ResizeObserver(() => {
      if (this.#atBottom) this.#scrollToEnd();
    });
    follow.observe(scroller);
    follow.observe(list);
  }

  /** Shows nothing; the next `show` starts afresh even for the same id (a chat the server lost and has again). */
  clear() {
    this.#conversationId = null;
    this.#rows.clear();
    this.#separators.clear();
    this.#list.replaceChildren();
  }

  /** Switches to a conversation: remembers where its unread messages start for the divider. */
  show(conv) {
    if (this.#conversationId === conv.id) return;
    this.#conversationId = conv.id;
    this.#rows.clear();
    this.#separators.clear();
    this.#lastKey = null;
    this.#firstUnreadSeq = conv.unread > 0 ? conv.readSeq + 1 : null;
    this.#unreadCount = conv.unread;
    this.#list.replaceChildren();
    this.render(conv, { scrollToEnd: true });
  }

  render(conv, { scrollToEnd = false } = {}) {
    if (conv.id !== this.#conversationId) return;
    const scroller = this.#scroller;
    const nearBottom = this.#nearBottom();
    const fromBottom = scroller.scrollHeight - scroller.scrollTop;
    const firstBefore = this.#list.querySelector('[data-testid="message"]');

    const messages = conv.history.loaded ? conv.ordered() : [];
    const nodes = [];
    let previous = null;
    for (const message of messages) {
      const day = dayKey(message.timestamp);
      if (!previous || dayKey(previous.timestamp) !== day) {
        nodes.push(this.#separator(day, message.timestamp));
        previous = null;
      }
      if (this.#firstUnreadSeq != null && message.seq === this.#firstUnreadSeq && message.senderId !== this.#client.me) {
        const count = this.#unreadCount;
        setText(this.#unreadDivider.firstChild, `${count} unread message${count === 1 ? '' : 's'}`);
        nodes.push(this.#unreadDivider);
      }
      const row = this.#rows.get(message.key) ?? this.#rows.get(`local:${message.clientMsgId}`) ?? this.#createRow(message);
      this.#rows.set(message.key, row);
      this.#updateRow(row, message, conv, previous);
      nodes.push(row.root);
      previous = message;
    }
    reconcileChildren(this.#list, nodes);
    this.#renderHistoryStatus(conv);

    const newest = messages.at(-1);
    const appendedOwn = newest && newest.key !== this.#lastKey && newest.senderId === this.#client.me;
    this.#lastKey = newest?.key ?? null;
    if (scrollToEnd || nearBottom || appendedOwn) {
      this.#scrollToEnd();
    } else if (firstBefore && this.#list.querySelector('[data-testid="message"]') !== firstBefore) {
      scroller.scrollTop = scroller.scrollHeight - fromBottom; // older page prepended: keep the reader's place
    }
  }

  // Also records that the reader follows: the scroll event comes a frame later, after an image may have grown.
  #scrollToEnd() {
    this.#scroller.scrollTop = this.#scroller.scrollHeight;
    this.#atBottom = true;
  }

  #nearBottom() {
    const scroller = this.#scroller;
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
  }

  #renderHistoryStatus(conv) {
    const { loading, error, complete, loaded } = conv.history;
    let text = '';
    if (loading) text = 'Loading messages…';
    else if (error) text = `Could not load messages: ${error}`;
    else if (loaded && complete) text = conv.isGroup ? `You are in “${conv.title(this.#client.me)}”.` : `This is the start of your chat with ${conv.title(this.#client.me)}.`;
    setText(this.#historyStatus, text);
    this.#historyStatus.classList.toggle('is-error', !!error && !loading);
    this.#historyStatus.hidden = !text;
  }

  #separator(day, date) {
    let node = this.#separators.get(day);
    if (!node) {
      node = el('li', { class: 'day-separator' }, el('span'));
      this.#separators.set(day, node);
    }
    setText(node.firstChild, formatDay(date));
    return node;
  }

  #createRow(message) {
    const own = message.senderId === this.#client.me;
    const sender = el('span', { class: 'sender', 'data-testid': 'message-sender' });
    const text = el('p', { class: 'message-text reserves-meta', 'data-testid': 'message-text' });
    const time = el('time', { class: 'message-time', 'data-testid': 'message-time' });
    const mark = own ? statusMark(message.status) : null;
    const attachment = el('div', { class: 'attachment', 'data-testid': 'message-attachment', hidden: true });
    const bubble = el('div', { class: 'bubble' }, sender, attachment, text, el('span', { class: 'meta' }, time, mark));
    const failure = el('p', { class: 'failure', hidden: true });
    const root = el('li', { class: `message-row ${own ? 'out' : 'in'}`, 'data-testid': 'message' }, bubble, failure);
    return { root, sender, attachment, text, time, mark, failure };
  }

  #updateRow(row, message, conv, previous) {
    const own = message.senderId === this.#client.me;
    const continued = previous?.senderId === message.senderId;
    const { dataset } = row.root;
    dataset.messageId = message.messageId ?? '';
    dataset.clientMsgId = message.clientMsgId ?? '';
    dataset.seq = message.seq ?? '';
    dataset.sender = message.senderId;
    if (own) dataset.status = message.status;
    row.root.classList.toggle('continued', continued);

    const showSender = conv.isGroup && !own && !continued;
    row.sender.hidden = !showSender;
    setText(row.sender, showSender ? message.senderId : '');
    row.sender.style.setProperty('--sender-hue', String(hueOf(message.senderId)));

    setText(row.text, message.content || (message.mediaId && !message.media ? 'Attachment' : ''));
    row.text.hidden = !row.text.textContent;
    this.#renderAttachment(row, message);
    // The time and marks sit in the bubble's corner; the last text line (or a file link) reserves room for them
    // with an invisible copy of the time (see .reserves-meta), so they never cover it whatever the locale's format.
    const time = formatTime(message.timestamp);
    row.text.dataset.time = time;
    row.attachment.dataset.time = time;
    row.attachment.classList.toggle('reserves-meta', row.text.hidden && !!row.attachment.querySelector('.attachment-link'));
    setText(row.time, time);
    row.time.setAttribute('datetime', message.timestamp.toISOString());
    row.time.setAttribute('title', message.timestamp.toLocaleString());
    if (row.mark) updateStatusMark(row.mark, message.status);

    const failed = message.status === 'failed';
    row.root.classList.toggle('failed', failed);
    row.failure.hidden = !failed;
    if (failed && !row.failure.firstChild) {
      row.failure.append(
        el('span', { text: `Not sent: ${message.error}` }), ' ',
        el('button', {
          type: 'button',
          class: 'link-button',
          text: 'Dismiss',
          onclick: () => this.#client.discard(message.conversationId, message.clientMsgId),
        }));
    }
  }

  // An image preview or a download link; built once per media id (the bytes are fetched with the bearer token).
  #renderAttachment(row, message) {
    const { attachment } = row;
    attachment.hidden = !message.mediaId;
    if (!message.mediaId || attachment.dataset.mediaId === message.mediaId || !message.messageId) return;
    attachment.dataset.mediaId = message.mediaId;
    const media = message.media ?? { content_type: 'application/octet-stream', size: 0, file_name: 'attachment' };
    const token = this.#client.me;
    if (isPreviewable(media)) {
      const image = el('img', { class: 'attachment-image', alt: media.file_name, 'data-testid': 'attachment-image' });
      mediaUrl(token, message.mediaId).then((url) => { image.src = url; }, () => { image.alt = `${media.file_name} (unavailable)`; });
      attachment.replaceChildren(image);
      return;
    }
    const link = el('a', {
      class: 'attachment-link',
      href: '#',
      'data-testid': 'attachment-link',
      text: `${media.file_name} (${formatSize(media.size)})`,
      onclick: async (event) => {
        event.preventDefault();
        try {
          const download = el('a', { href: await mediaUrl(token, message.mediaId), download: media.file_name });
          download.click();
        } catch (error) {
          link.textContent = `${media.file_name}: ${error.message}`;
        }
      },
    });
    attachment.replaceChildren(link);
  }
}
