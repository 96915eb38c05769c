// The open conversation: header (title, presence or typing), the message list and the composer.
import { byId, setText } from './dom.js';
import { formatLastSeen, formatTyping, paintAvatar } from './format.js';
import { MessageList } from './message-list.js';
import { showToast } from './toast.js';

const MAX_COMPOSER_PX = 140;

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
    if (!conv) return;
    if (changed) {
      input.value = '';
      this.#resizeComposer();
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
    const { composer, input, send } = this.#nodes;
    const updateSend = () => {
      send.disabled = input.value.trim() === '';
    };
    updateSend();
    input.addEventListener('input', () => {
      this.#resizeComposer();
      updateSend();
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
      if (!text || !this.#conversationId) return;
      this.#client.send(this.#conversationId, text);
      input.value = '';
      this.#resizeComposer();
      updateSend();
      input.focus();
    });
  }

  // Grows the composer with its text, up to a limit; back to the stylesheet's height when empty or not laid out.
  #resizeComposer() {
    const { input } = this.#nodes;
    input.style.removeProperty('height');
    if (!input.value || input.scrollHeight === 0) return;
    input.style.height = `${Math.min(input.scrollHeight, MAX_COMPOSER_PX)}px`;
  }
}
