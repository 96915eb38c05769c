// The connection banner: hidden while connected; otherwise says what is happening and what happens to unsent
// messages, with a countdown to the next attempt and a way to retry at once.
import { byId, setText } from './dom.js';
import { icon } from './icons.js';

const SHOW_CONNECTING_AFTER_MS = 800;

export class ConnectionBanner {
  #client;
  #nodes;
  #tick = 0;
  #connectingTimer = 0;

  constructor(client) {
    this.#client = client;
    this.#nodes = {
      root: byId('connection-banner'),
      icon: byId('connection-banner').querySelector('.banner-icon'),
      title: byId('banner-title'),
      detail: byId('banner-detail'),
      retry: byId('banner-retry'),
    };
    this.#nodes.retry.addEventListener('click', () => client.connection.retryNow());
    client.connection.addEventListener('state', () => this.render());
    // The count of unsent messages changes while disconnected.
    client.state.addEventListener('conversations', () => client.connection.state !== 'open' && this.render());
  }

  render() {
    const { state, retryAt } = this.#client.connection;
    const { root, title, detail, retry } = this.#nodes;
    clearInterval(this.#tick);
    if (state !== 'connecting') {
      clearTimeout(this.#connectingTimer);
      this.#connectingTimer = 0;
    }
    root.dataset.state = state;
    if (state === 'open' || state === 'stopped') {
      root.hidden = true;
      return;
    }
    const pending = this.#client.outbox.all().length;
    const unsent = pending ? `${pending} message${pending === 1 ? '' : 's'} will be sent when you are back. ` : '';
    retry.hidden = state === 'connecting';
    if (state === 'connecting') {
      this.#setIcon('sync');
      setText(title, 'Connecting…');
      setText(detail, unsent);
      // A quick connect should not flash a banner.
      if (root.hidden && !this.#connectingTimer) {
        this.#connectingTimer = setTimeout(() => {
          this.#connectingTimer = 0;
          root.hidden = false;
        }, SHOW_CONNECTING_AFTER_MS);
      }
      return;
    }
    this.#setIcon('offline');
    root.hidden = false;
    if (state === 'offline') {
      setText(title, 'You are offline');
      setText(detail, `${unsent}Check your connection.`);
      return;
    }
    const update = () => {
      const seconds = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
      setText(title, 'Connection lost');
      setText(detail, `${unsent}Reconnecting${seconds ? ` in ${seconds} s` : ''}…`);
    };
    update();
    this.#tick = setInterval(update, 1000);
  }

  #setIcon(name) {
    const node = this.#nodes.icon;
    if (node.dataset.icon === name) return;
    node.dataset.icon = name;
    node.replaceChildren(icon(name));
  }
}
