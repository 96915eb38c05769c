// The open conversation: header (title, presence or typing), the message list and the composer.
import { byId, setText } from './dom.js';
import { formatLastSeen, formatTyping, paintAvatar } from './format.js';
import { MessageList } from './message-list.js';
import { MAX_CONTENT_LENGTH } from '../core/client.js';
import { showToast } from './toast.js';

const MAX_COMPOSER_PX = 140;
// The remaining count shows once this few characters are left.
const LIMIT_WARNING_AT = 500;
const count = new Intl.NumberFormat('en');

export class ChatView {
  #client;
  #conversationId = null;
  #nodes;
  #messages;

  constructor(client, { onBack }) {
    this.#client = client;
    this.#nodes = {
      welcome: byId('chat-welcome'),
      panel: byId('chat-panel'),
      avatar: byId('chat-avatar'),
      title: byId('chat-title'),
      typing: byId('typing-indicator'),
      presence: byId('presence'),
      composer: byId('composer'),
      input: byId('composer-input'),
      limit: byId('composer-limit'),
      send: byId('send-button'),
      attach: byId('attach-button'),
      file: byId('attach-input'),
      progress: byId('upload-progress'),
      progressLabel: byId('upload-label'),
      progressBar: byId('upload-bar'),
    };
    this.#messages = new MessageList(client, {
      scroller: byId('message-scroller'),
      list: byId('message-list'),
      historyStatus: byId('history-status'),
    });
    byId('back-button').addEventListener('click', onBack);
    this.#wireComposer();
    this.#wireAttachments();
  }

  get conversationId() {
    return this.#conversationId;
  }

  /** Shows a conversation, or the welcome screen for null. */
  show(conv) {
    const { welcome, panel, input } = this.#nodes;
    welcome.hidden = !!conv;
    panel.hidden = !conv;
    const changed = this.#conversationId !== (conv?.id ?? null);
    this.#conversationId = conv?.id ?? null;
    if (!conv) {
      this.#messages.clear();
      return;
    }
    if (changed) {
      input.value = '';
      this.#resizeComposer();
      this.#updateSend();
      this.#messages.show(conv);
      if (window.matchMedia('(pointer: fine)').matches) input.focus({ preventScroll: true });
    }
    this.renderHeader();
    this.renderMessages();
  }

  renderMessages() {
    const conv = this.#current();
    if (conv) this.#messages.render(conv);
  }

  renderHeader() {
    const conv = this.#current();
    if (!conv) return;
    const { me, state } = this.#client;
    const { avatar, title, typing, presence } = this.#nodes;
    const name = conv.title(me);
    paintAvatar(avatar, name, conv.isGroup);
    setText(title, name);

    const typers = conv.typingUsers();
    typing.hidden = typers.length === 0;
    setText(typing, formatTyping(typers, conv.isGroup));

    let status = '';
    let online = false;
    if (conv.isGroup) {
      const others = conv.members.map((m) => m.userId).filter((id) => id !== me);
      status = [...others, 'You'].join(', ');
    } else {
      const peer = conv.peerId(me);
      const info = peer === me ? null : state.presence.get(peer);
      online = info?.status === 'online';
      status = peer === me ? 'Message yourself' : online ? 'online' : formatLastSeen(info?.lastSeen);
    }
    presence.hidden = typers.length > 0;
    presence.dataset.status = conv.isGroup ? 'group' : online ? 'online' : 'offline';
    setText(presence, status);
    avatar.classList.toggle('online', online);
  }

  #current() {
    return this.#conversationId ? this.#client.state.get(this.#conversationId) : null;
  }

  // One upload at a time: the progress bar shows it; the message is sent when the last byte is stored.
  #wireAttachments() {
    const { attach, file, progress, progressLabel, progressBar } = this.#nodes;
    attach.addEventListener('click', () => file.click());
    file.addEventListener('change', async () => {
      const chosen = file.files?.[0];
      file.value = '';
      if (!chosen || !this.#conversationId) return;
      attach.disabled = true;
      progress.hidden = false;
      setText(progressLabel, `Uploading ${chosen.name}`);
      try {
        await this.#client.sendFile(this.#conversationId, chosen, (sent, total) => {
          progressBar.value = total ? Math.round((sent / total) * 100) : 100;
        });
      } catch (error) {
        showToast(`${chosen.name} was not sent: ${error.message}`);
      } finally {
        attach.disabled = false;
        progress.hidden = true;
        progressBar.value = 0;
      }
    });
  }

  #wireComposer() {
    const { composer, input } = this.#nodes;
    this.#updateSend();
    input.addEventListener('input', () => {
      this.#resizeComposer();
      this.#updateSend();
      if (!this.#conversationId) return;
      if (input.value.trim()) this.#client.notifyTyping(this.#conversationId);
      else this.#client.stopTyping();
    });
    input.addEventListener('keydown', (event) => {
      // Enter sends, Shift+Enter breaks the line; never while an input method is composing a character.
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        composer.requestSubmit();
      }
    });
    composer.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text || text.length > MAX_CONTENT_LENGTH || !this.#conversationId) return;
      this.#client.send(this.#conversationId, text);
      input.value = '';
      this.#resizeComposer();
      this.#updateSend();
      input.focus();
    });
  }

  // The server's limit is checked here, before sending: an over-long text stays in the composer, send disabled.
  #updateSend() {
    const { input, send, limit } = this.#nodes;
    const length = input.value.trim().length;
    const left = MAX_CONTENT_LENGTH - length;
    send.disabled = length === 0 || left < 0;
    limit.hidden = left >= LIMIT_WARNING_AT;
    limit.classList.toggle('is-over', left < 0);
    if (left < 0) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    setText(limit, left < 0
      ? `${count.format(-left)} character${left === -1 ? '' : 's'} over the ${count.format(MAX_CONTENT_LENGTH)} limit`
      : `${count.format(left)} character${left === 1 ? '' : 's'} left`);
  }

  // Grows the composer with its text, up to a limit; back to the stylesheet's height when empty or not laid out.
  #resizeComposer() {
    const { input } = this.#nodes;
    input.style.removeProperty('height');
    if (!input.value || input.scrollHeight === 0) return;
    input.style.height = `${Math.min(input.scrollHeight, MAX_COMPOSER_PX)}px`;
  }
}
