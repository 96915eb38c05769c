// The conversation list: last activity first, unread badges, previews with receipt marks, typing and presence.
import { el, reconcileChildren, setText } from './dom.js';
import { formatListTime, formatTyping, paintAvatar, previewText } from './format.js';
import { statusMark, updateStatusMark } from './status.js';
import { validateUserId } from '../core/session.js';

export class Sidebar {
  #client;
  #list;
  #empty;
  #search;
  #items = new Map();
  #startItem;

  /** @param {{ onOpen: (id: string) => void, onStartDirect: (userId: string) => void }} actions */
  constructor(client, { list, empty, search }, actions) {
    this.#client = client;
    this.#list = list;
    this.#empty = empty;
    this.#search = search;
    this.actions = actions;
    this.#startItem = this.#createStartItem();
    search.addEventListener('input', () => this.render());
    search.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowDown') this.#focusItem(0, event);
      if (event.key === 'Enter') this.#list.querySelector('button')?.click();
    });
    list.addEventListener('keydown', (event) => this.#onListKey(event));
  }

  render() {
    const { state, me, activeId } = this.#client;
    const query = this.#search.value.trim().toLowerCase();
    const nodes = [];
    for (const conv of state.sorted()) {
      const title = conv.title(me);
      if (query && !title.toLowerCase().includes(query)) continue;
      const item = this.#items.get(conv.id) ?? this.#createItem(conv);
      this.#updateItem(item, conv, conv.id === activeId);
      nodes.push(item.root);
    }
    const typed = this.#search.value.trim();
    const hasDirect = [...state.conversations.values()].some((conv) => !conv.isGroup && conv.peerId(me) === typed);
    if (typed && !hasDirect && !validateUserId(typed)) {
      setText(this.#startItem.querySelector('.conversation-title'), `Chat with ${typed}`);
      this.#startItem.dataset.userId = typed;
      nodes.unshift(this.#startItem);
    }
    reconcileChildren(this.#list, nodes);
    this.#empty.hidden = state.conversations.size > 0 || nodes.length > 0;
  }

  #createItem(conv) {
    const avatar = el('span', { class: 'avatar', 'aria-hidden': 'true' });
    const title = el('span', { class: 'conversation-title', 'data-testid': 'conversation-title' });
    const time = el('time', { class: 'conversation-time', 'data-testid': 'conversation-time' });
    const mark = statusMark(null);
    const sender = el('span', { class: 'preview-sender' });
    const text = el('span', { class: 'preview-text' });
    const preview = el('span', { class: 'conversation-preview', 'data-testid': 'conversation-preview' }, mark, sender, text);
    const badge = el('span', { class: 'unread-badge', 'data-testid': 'unread-badge' });
    const button = el('button', { type: 'button', class: 'conversation-button', onclick: () => this.actions.onOpen(conv.id) },
      avatar,
      el('span', { class: 'conversation-body' },
        el('span', { class: 'conversation-line' }, title, time),
        el('span', { class: 'conversation-line' }, preview, badge)));
    const root = el('li', { class: 'conversation', 'data-testid': 'conversation-item', dataset: { conversationId: conv.id } }, button);
    const item = { root, button, avatar, title, time, mark, sender, text, preview, badge };
    this.#items.set(conv.id, item);
    return item;
  }

  #updateItem(item, conv, active) {
    const { me, state } = this.#client;
    const title = conv.title(me);
    item.root.dataset.title = title;
    item.root.classList.toggle('active', active);
    if (active) item.button.setAttribute('aria-current', 'true');
    else item.button.removeAttribute('aria-current');
    paintAvatar(item.avatar, title, conv.isGroup);
    const peer = conv.peerId(me);
    item.avatar.classList.toggle('online', !!peer && peer !== me && state.presence.get(peer)?.status === 'online');
    setText(item.title, title);

    const last = conv.preview();
    const when = last?.timestamp ?? conv.lastActivity ?? conv.createdAt;
    setText(item.time, when ? formatListTime(when) : '');
    if (when) item.time.setAttribute('datetime', when.toISOString());

    const typing = conv.typingUsers();
    item.preview.classList.toggle('typing', typing.length > 0);
    if (typing.length > 0) {
      updateStatusMark(item.mark, null);
      setText(item.sender, '');
      setText(item.text, formatTyping(typing, conv.isGroup));
    } else {
      const own = last?.senderId === me;
      updateStatusMark(item.mark, own ? last.status : null);
      setText(item.sender, conv.isGroup && last && !own ? `${last.senderId}: ` : '');
      setText(item.text, last ? previewText(last) : conv.isGroup ? 'Group created' : 'Say hello 👋');
    }

    const unread = active && document.visibilityState === 'visible' ? 0 : conv.unread;
    item.root.classList.toggle('has-unread', unread > 0);
    item.badge.hidden = unread === 0;
    setText(item.badge, unread > 99 ? '99+' : String(unread));
    item.badge.setAttribute('aria-label', `${unread} unread message${unread === 1 ? '' : 's'}`);
    const label = [title, unread ? `${unread} unread` : null, typing.length ? 'typing' : previewText(last)]
      .filter(Boolean).join(', ');
    item.button.setAttribute('aria-label', label);
  }

  #createStartItem() {
    const root = el('li', { class: 'conversation start-item', 'data-testid': 'start-chat-item' });
    const avatar = el('span', { class: 'avatar avatar-new', 'aria-hidden': 'true', text: '+' });
    root.append(el('button', {
      type: 'button',
      class: 'conversation-button',
      onclick: () => {
        const userId = root.dataset.userId;
        this.#search.value = '';
        this.actions.onStartDirect(userId);
      },
    }, avatar, el('span', { class: 'conversation-body' },
      el('span', { class: 'conversation-line' }, el('span', { class: 'conversation-title' })),
      el('span', { class: 'conversation-line' }, el('span', { class: 'conversation-preview', text: 'Start a new chat' })))));
    return root;
  }

  // Up/Down move between conversations, Home/End jump: the list behaves like one composite widget.
  #onListKey(event) {
    const buttons = [...this.#list.querySelectorAll('.conversation-button')];
    const index = buttons.indexOf(document.activeElement);
    if (index < 0) return;
    const target = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: buttons.length - 1 }[event.key];
    if (target === undefined) return;
    if (target < 0) {
      this.#search.focus();
    } else {
      this.#focusItem(Math.min(target, buttons.length - 1), event);
    }
    event.preventDefault();
  }

  #focusItem(index, event) {
    const button = this.#list.querySelectorAll('.conversation-button')[index];
    if (button) {
      button.focus();
      event.preventDefault();
    }
  }
}
