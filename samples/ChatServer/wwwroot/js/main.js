// Entry point: sign-in screen or the two-pane chat app. The open chat lives in the URL hash (#c=<id>), so the
// browser's back button returns to the list on small screens.
import { ChatClient } from './core/client.js';
import { currentUser, signIn, signOut, validateUserId } from './core/session.js';
import { ConnectionBanner } from './ui/banner.js';
import { ChatView } from './ui/chat-view.js';
import { createDialogs } from './ui/dialogs.js';
import { byId, coalesce, setText } from './ui/dom.js';
import { paintAvatar } from './ui/format.js';
import { hydrateIcons } from './ui/icons.js';
import { Sidebar } from './ui/sidebar.js';
import { showToast } from './ui/toast.js';

hydrateIcons();
const user = currentUser();
if (user) startChat(user);
else showSignIn();

function showSignIn() {
  const form = byId('signin-form');
  const input = byId('signin-name');
  const error = byId('signin-error');
  byId('signin').hidden = false;
  input.focus();
  input.addEventListener('input', () => setText(error, ''));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = input.value.trim();
    const invalid = validateUserId(name);
    if (invalid) {
      setText(error, invalid);
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    signIn(name);
    byId('signin').hidden = true;
    startChat(name);
  });
}

function startChat(userId) {
  const app = byId('app');
  app.hidden = false;
  setText(byId('me-name'), userId);
  paintAvatar(byId('me-avatar'), userId);

  const client = new ChatClient(userId, { onUnauthorized: leave });
  const openConversation = (id) => {
    location.hash = `c=${encodeURIComponent(id)}`;
  };
  const startDirect = (peer) => client.startDirect(peer).then((conv) => openConversation(conv.id), (e) => showToast(e.message));
  const sidebar = new Sidebar(client, {
    list: byId('conversation-list'),
    empty: byId('conversation-empty'),
    search: byId('search'),
  }, { onOpen: openConversation, onStartDirect: startDirect });
  const chat = new ChatView(client, { onBack: () => history.length > 1 ? history.back() : (location.hash = '') });
  const dialogs = createDialogs(client, { onOpen: openConversation });
  new ConnectionBanner(client).render();

  const renderList = coalesce(() => {
    sidebar.render();
    const unread = [...client.state.conversations.values()].reduce((sum, conv) => sum + conv.unread, 0);
    document.title = unread ? `(${unread}) Messaging` : 'Messaging';
  });
  const renderChat = coalesce(() => {
    const conv = client.activeId ? client.state.get(client.activeId) : null;
    app.dataset.view = conv ? 'chat' : 'list';
    chat.show(conv);
  });
  const { state } = client;
  state.addEventListener('conversations', () => {
    renderList();
    renderChat();
  });
  state.addEventListener('messages', (event) => event.detail === chat.conversationId && chat.renderMessages());
  state.addEventListener('typing', (event) => {
    renderList();
    if (event.detail === chat.conversationId) chat.renderHeader();
  });
  state.addEventListener('presence', () => {
    renderList();
    chat.renderHeader();
  });
  client.addEventListener('active', () => {
    // A chat the client closed itself (the server no longer has it) leaves the address too, so opening it again works.
    if (!client.activeId && location.hash) history.replaceState(null, '', `${location.pathname}${location.search}`);
    renderList();
    renderChat();
  });
  client.addEventListener('notice', (event) => showToast(event.detail));
  document.addEventListener('visibilitychange', renderList);

  const route = () => {
    const match = /^#c=(.+)$/u.exec(location.hash);
    if (match) client.open(decodeURIComponent(match[1]));
    else client.close();
  };
  window.addEventListener('hashchange', route);

  byId('new-chat-button').addEventListener('click', () => dialogs.newChat());
  byId('new-group-button').addEventListener('click', () => dialogs.newGroup());
  byId('conversation-empty').querySelector('[data-action="new-chat"]').addEventListener('click', () => dialogs.newChat());
  byId('sign-out-button').addEventListener('click', leave);

  function leave() {
    client.stop();
    signOut();
    location.replace(location.pathname);
  }

  renderList();
  client.start().then(route);
}
