// Presentation of names, avatars, times and message previews.
import { icon } from './icons.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long' });
const shortDateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const fullDateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long', year: 'numeric' });
const DAY_MS = 24 * 60 * 60 * 1000;

/** Up to two initials of a name, for avatars. */
export function initials(name) {
  const words = String(name ?? '').trim().split(/[\s._@-]+/u).filter(Boolean);
  const letters = words.slice(0, 2).map((word) => [...word][0]);
  return letters.join('').toUpperCase() || '?';
}

/** A stable hue for a name, so one person keeps one colour everywhere. */
export function hueOf(name) {
  let hash = 0;
  for (const ch of String(name ?? '')) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return hash % 360;
}

/** Renders an avatar (initials on a coloured disc) into `node`. */
export function paintAvatar(node, name, isGroup = false) {
  const painted = `${isGroup ? 'group' : 'user'}:${name}`;
  if (node.dataset.painted === painted) return;
  node.dataset.painted = painted;
  node.replaceChildren(isGroup ? icon('group', 'icon avatar-icon') : initials(name));
  node.classList.toggle('avatar-group', isGroup);
  node.style.setProperty('--avatar-hue', String(hueOf(name)));
}

function startOfDay(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

function daysAgo(date, now) {
  return Math.round((startOfDay(now) - startOfDay(date)) / DAY_MS);
}

/** "14:05". */
export function formatTime(date) {
  return timeFormat.format(date);
}

/** The conversation list's time: today's time, "Yesterday", a weekday, or a short date. */
export function formatListTime(date, now = new Date()) {
  if (!date) return '';
  const days = daysAgo(date, now);
  if (days <= 0) return formatTime(date);
  if (days === 1) return 'Yesterday';
  if (days < 7) return weekdayFormat.format(date);
  return shortDateFormat.format(date);
}

/** The day separator of the message list. */
export function formatDay(date, now = new Date()) {
  const days = daysAgo(date, now);
  if (days <= 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days < 7) return weekdayFormat.format(date);
  return fullDateFormat.format(date);
}

/** A key that changes exactly when the calendar day changes. */
export function dayKey(date) {
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}

/** "last seen today at 14:05" and friends; empty when the user hides it. */
export function formatLastSeen(date, now = new Date()) {
  if (!date) return '';
  const days = daysAgo(date, now);
  if (days <= 0) return `last seen today at ${formatTime(date)}`;
  if (days === 1) return `last seen yesterday at ${formatTime(date)}`;
  return `last seen ${shortDateFormat.format(date)} at ${formatTime(date)}`;
}

/** "alice is typing…", "alice and bob are typing…". */
export function formatTyping(userIds, isGroup) {
  if (userIds.length === 0) return '';
  if (!isGroup) return 'typing…';
  if (userIds.length === 1) return `${userIds[0]} is typing…`;
  if (userIds.length === 2) return `${userIds[0]} and ${userIds[1]} are typing…`;
  return `${userIds.length} people are typing…`;
}

/** A one-line preview of a message for the conversation list. */
export function previewText(message) {
  if (!message) return '';
  const text = message.content?.replace(/\s+/gu, ' ').trim();
  if (text) return text;
  return message.mediaId ? message.media?.file_name ?? 'Attachment' : '';
}

/** A byte count for people: 532 B, 14.2 KB, 20.0 MB. */
export function formatSize(bytes) {
  if (!(bytes >= 1024)) return `${bytes ?? 0} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
