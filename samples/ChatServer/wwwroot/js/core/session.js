// Who is signed in, and which device this browser profile is. The sample's development authentication scheme takes
// the user id straight from the bearer token, so the token is the user name (insecure, local use only).

const USER_KEY = 'messaging.user';
const USER_ID = /^[\p{L}\p{N}._@-]{1,64}$/u;

/** Checks a user name typed by a person; returns an error message, or '' when it is fine. */
export function validateUserId(value) {
  if (!value) return 'Enter a name.';
  if (!USER_ID.test(value)) return 'Use up to 64 letters, digits, dots, dashes, underscores or @.';
  return '';
}

/** Splits "bob, carol dave" into distinct user ids. */
export function parseUserList(value) {
  return [...new Set(String(value ?? '').split(/[\s,;]+/u).map((part) => part.trim()).filter(Boolean))];
}

/** The signed-in user, or null. */
export function currentUser() {
  const user = localStorage.getItem(USER_KEY);
  return user && !validateUserId(user) ? user : null;
}

export function signIn(userId) {
  localStorage.setItem(USER_KEY, userId);
}

export function signOut() {
  localStorage.removeItem(USER_KEY);
}

/** A random, unguessable id (RFC 4122 version 4 layout); works outside secure contexts too. */
export function newId() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * This browser profile's device id for a user. Delivery cursors belong to a device, so it must stay stable across
 * reloads; every tab of the profile shares it (a device may hold several connections).
 */
export function deviceId(userId) {
  const key = `messaging.device.${userId}`;
  let id = localStorage.getItem(key);
  if (!id) {
    id = `web-${newId().slice(0, 8)}`;
    localStorage.setItem(key, id);
  }
  return id;
}
