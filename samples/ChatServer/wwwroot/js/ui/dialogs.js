// "New chat" and "New group" dialogs (native <dialog>: focus trapping and Escape come for free).
import { byId } from './dom.js';
import { parseUserList, validateUserId } from '../core/session.js';

function wireDialog(dialog, form, errorNode, submit) {
  const cancel = form.querySelector('[data-action="cancel"]');
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    form.reset();
    errorNode.textContent = '';
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errorNode.textContent = '';
    const button = form.querySelector('[type="submit"]');
    button.disabled = true;
    try {
      const error = await submit();
      if (error) errorNode.textContent = error;
      else dialog.close();
    } catch (failure) {
      errorNode.textContent = failure.message || 'Something went wrong.';
    } finally {
      button.disabled = false;
    }
  });
  return (prefill) => {
    form.reset();
    errorNode.textContent = '';
    dialog.showModal();
    prefill?.();
  };
}

/** Wires both dialogs; returns functions that open them. */
export function createDialogs(client, { onOpen }) {
  const chatUser = byId('new-chat-user');
  const openNewChat = wireDialog(byId('new-chat-dialog'), byId('new-chat-form'), byId('new-chat-error'), async () => {
    const userId = chatUser.value.trim();
    const invalid = validateUserId(userId);
    if (invalid) return invalid;
    const conv = await client.startDirect(userId);
    onOpen(conv.id);
    return '';
  });

  const groupName = byId('new-group-name');
  const groupMembers = byId('new-group-members');
  const openNewGroup = wireDialog(byId('new-group-dialog'), byId('new-group-form'), byId('new-group-error'), async () => {
    const name = groupName.value.trim();
    if (!name) return 'Give the group a name.';
    const members = parseUserList(groupMembers.value).filter((id) => id !== client.me);
    if (members.length === 0) return 'Add at least one member.';
    const invalid = members.map(validateUserId).find(Boolean);
    if (invalid) return invalid;
    const conv = await client.createGroup(name, members);
    onOpen(conv.id);
    return '';
  });

  return {
    newChat: (userId) => openNewChat(() => {
      if (userId) chatUser.value = userId;
      chatUser.focus();
    }),
    newGroup: () => openNewGroup(() => groupName.focus()),
  };
}
