// Short-lived notices (a failed request that belongs to no message).
import { el } from './dom.js';

const VISIBLE_MS = 5000;

export function showToast(text) {
  let region = document.getElementById('toasts');
  if (!region) {
    region = el('div', { id: 'toasts', class: 'toasts', role: 'alert', 'aria-live': 'assertive' });
    document.body.append(region);
  }
  const toast = el('div', { class: 'toast', 'data-testid': 'toast', text });
  region.append(toast);
  setTimeout(() => toast.remove(), VISIBLE_MS);
}
