// The receipt mark of an own message: clock (pending), ✓ sent, grey ✓✓ delivered, blue ✓✓ read, ! failed.
import { el } from './dom.js';
import { icon } from './icons.js';

const MARKS = {
  pending: { icon: 'clock', label: 'Sending' },
  sent: { icon: 'check', label: 'Sent' },
  delivered: { icon: 'doubleCheck', label: 'Delivered' },
  read: { icon: 'doubleCheck', label: 'Read' },
  failed: { icon: 'alert', label: 'Not sent' },
};

/** A status mark element; `update` it when the status changes. */
export function statusMark(status) {
  const node = el('span', { class: 'status-mark', role: 'img' });
  updateStatusMark(node, status);
  return node;
}

export function updateStatusMark(node, status) {
  const mark = MARKS[status];
  if (!mark) {
    node.hidden = true;
    return;
  }
  if (node.dataset.status === status) return;
  node.hidden = false;
  node.dataset.status = status;
  node.setAttribute('aria-label', mark.label);
  node.setAttribute('title', mark.label);
  node.replaceChildren(icon(mark.icon, 'icon status-icon'));
}
